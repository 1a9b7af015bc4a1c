// The stream state machine: nextState()'s transition table and the predicates the data path asks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  StreamEvent,
  StreamState,
  isGone,
  mayGrantWindow,
  nextState,
  receivesData,
  type StreamEventValue,
  type StreamStateValue,
} from '../../src/mux/stream-state.js';

const S = StreamState;
const E = StreamEvent;

function run(start: StreamStateValue, ...events: StreamEventValue[]): StreamStateValue {
  return events.reduce<StreamStateValue>((state, event) => nextState(state, event), start);
}

test('opening: Init -SYN-> SYNSent -ACK-> Established; accepting: SYNReceived -ACK-> Established', () => {
  assert.equal(run(S.Init, E.SendSyn), S.SYNSent);
  assert.equal(run(S.Init, E.SendSyn, E.RecvAck), S.Established);
  assert.equal(run(S.SYNReceived, E.SendAck), S.Established);
});

test('half-closes: our FIN then theirs, or theirs then ours, end Closed', () => {
  assert.equal(run(S.Established, E.SendFin), S.LocalClose);
  assert.equal(run(S.Established, E.SendFin, E.RecvFin), S.Closed);
  assert.equal(run(S.Established, E.RecvFin), S.RemoteClose);
  assert.equal(run(S.Established, E.RecvFin, E.SendFin), S.Closed);
  // FIN before the peer's ACK (yamux allows it) and a late ACK after it.
  assert.equal(run(S.SYNSent, E.SendFin, E.RecvAck), S.LocalClose);
  assert.equal(run(S.SYNSent, E.RecvFin, E.RecvAck), S.RemoteClose);
});

test('a FIN while waiting in the backlog: RemoteClose, and the later ACK keeps it', () => {
  assert.equal(run(S.SYNReceived, E.RecvFin), S.RemoteClose);
  assert.equal(run(S.SYNReceived, E.RecvFin, E.SendAck), S.RemoteClose);
});

test('reset and session close end every live state; terminal states never change', () => {
  const live = [S.Init, S.SYNReceived, S.SYNSent, S.Established, S.LocalClose, S.RemoteClose];
  for (const state of live) {
    assert.equal(nextState(state, E.Reset), S.Reset);
    assert.equal(nextState(state, E.SessionClosed), S.Closed);
  }
  for (const state of [S.Closed, S.Reset]) {
    for (const event of Object.values(E)) assert.equal(nextState(state, event), state);
  }
});

test('events that do not apply leave the state: a second FIN, a stray ACK', () => {
  assert.equal(run(S.LocalClose, E.SendFin), S.LocalClose);
  assert.equal(run(S.RemoteClose, E.RecvFin), S.RemoteClose);
  assert.equal(run(S.Established, E.RecvAck, E.SendAck, E.SendSyn), S.Established);
});

test('predicates: data wanted until the peer FINs; window updates only once announced; gone from Closed on', () => {
  const all = Object.values(S);
  assert.deepEqual(
    all.filter((s) => receivesData(s)),
    [S.Init, S.SYNReceived, S.SYNSent, S.Established, S.LocalClose],
  );
  assert.deepEqual(
    all.filter((s) => mayGrantWindow(s)),
    [S.SYNSent, S.Established, S.LocalClose],
  );
  assert.deepEqual(
    all.filter((s) => isGone(s)),
    [S.Closed, S.Reset],
  );
});
