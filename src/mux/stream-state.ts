// A yamux stream's lifecycle as one state (yamux's stream states) and the transition function that alone changes it.

/**
 * A stream's state (yamux's streamInit … streamReset). Ordered so that the data path's questions
 * are one or two integer comparisons: below RemoteClose the peer may still send data; from Closed
 * on the stream has left its session.
 */
export const StreamState = {
  /** Created by open(), SYN not sent yet. */
  Init: 0,
  /** The peer's SYN arrived; our ACK (and its window grant) has not gone out (e.g. waiting in the backlog). */
  SYNReceived: 1,
  /** Our SYN went out; the peer's ACK has not arrived. */
  SYNSent: 2,
  /** Both sides announced the stream; data flows both ways. */
  Established: 3,
  /** We sent FIN; the peer may still send. */
  LocalClose: 4,
  /** The peer sent FIN; we may still send. */
  RemoteClose: 5,
  /** Both FINs exchanged, or the session closed: the stream left its session, nothing more is sent. */
  Closed: 6,
  /** RST sent or received (destroy, close timeout, peer reset): the stream left its session. */
  Reset: 7,
} as const;
export type StreamStateValue = (typeof StreamState)[keyof typeof StreamState];

/** What happens to a stream; nextState() maps (state, event) to the next state. */
export const StreamEvent = {
  /** We sent SYN (open). */
  SendSyn: 0,
  /** We sent ACK (accept). */
  SendAck: 1,
  /** The peer's ACK arrived. */
  RecvAck: 2,
  /** We sent FIN (end()). */
  SendFin: 3,
  /** The peer's FIN arrived. */
  RecvFin: 4,
  /** RST sent or received. */
  Reset: 5,
  /** The session closed under the stream. */
  SessionClosed: 6,
} as const;
export type StreamEventValue = (typeof StreamEvent)[keyof typeof StreamEvent];

/**
 * The transition table (yamux's, plus burrow's SYNReceived → RemoteClose for a FIN that arrives
 * while the stream waits in the backlog; its ACK still goes out when it is handed over). An event
 * that does not apply in a state (a late ACK, a second FIN, anything after Closed/Reset) leaves it.
 */
export function nextState(state: StreamStateValue, event: StreamEventValue): StreamStateValue {
  if (state >= StreamState.Closed) return state;
  switch (event) {
    case StreamEvent.SendSyn:
      return state === StreamState.Init ? StreamState.SYNSent : state;
    case StreamEvent.SendAck:
      return state === StreamState.SYNReceived ? StreamState.Established : state;
    case StreamEvent.RecvAck:
      return state === StreamState.SYNSent ? StreamState.Established : state;
    case StreamEvent.SendFin:
      if (state === StreamState.RemoteClose) return StreamState.Closed;
      return state === StreamState.LocalClose ? state : StreamState.LocalClose;
    case StreamEvent.RecvFin:
      if (state === StreamState.LocalClose) return StreamState.Closed;
      return state === StreamState.RemoteClose ? state : StreamState.RemoteClose;
    case StreamEvent.Reset:
      return StreamState.Reset;
    case StreamEvent.SessionClosed:
      return StreamState.Closed;
  }
}

/** The peer's FIN has not arrived and the stream is still in its session: its data is still wanted. */
export function receivesData(state: StreamStateValue): boolean {
  return state < StreamState.RemoteClose;
}

/** Window updates may go out: our SYN/ACK announced the stream, the peer has not FINed, it is still in its session. */
export function mayGrantWindow(state: StreamStateValue): boolean {
  return state >= StreamState.SYNSent && state <= StreamState.LocalClose;
}

/** The stream left its session (Closed or Reset): no RST, FIN or window update goes out any more. */
export function isGone(state: StreamStateValue): boolean {
  return state >= StreamState.Closed;
}
