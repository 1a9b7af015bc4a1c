// Pre-authentication limits of the server's connections: their values, and when a yamux session counts as proven or is closed at its deadline.
import type { Duplex } from 'node:stream';
import type { Logger } from '../log.js';
import type { Session } from '../mux/index.js';
import {
  MAX_PENDING_HANDSHAKES,
  MAX_PENDING_HANDSHAKES_PER_ADDRESS,
  PER_ADDRESS_BUDGET_EXEMPTS_LOOPBACK,
  PREAUTH_MAX_STREAMS,
  PREAUTH_SESSION_DEADLINE_MS,
} from './constants.js';

/** The server's pre-authentication limits; each default is the named constant. Tests shorten them. */
export interface PreauthLimits {
  /** MAX_PENDING_HANDSHAKES: connections not yet proven, over every address. */
  maxPending: number;
  /** MAX_PENDING_HANDSHAKES_PER_ADDRESS: of those, from one address. */
  maxPendingPerAddress: number;
  /** PER_ADDRESS_BUDGET_EXEMPTS_LOOPBACK: loopback peers have no per-address budget. */
  exemptLoopback: boolean;
  /** PREAUTH_SESSION_DEADLINE_MS: a yamux session not proven by then is closed. */
  sessionDeadlineMs: number;
  /** PREAUTH_MAX_STREAMS: streams an unauthenticated yamux session may open in all. */
  maxStreams: number;
}

/** The limits in force: the defaults, with what `overrides` sets. */
export function preauthLimits(overrides: Partial<PreauthLimits> = {}): PreauthLimits {
  return {
    maxPending: overrides.maxPending ?? MAX_PENDING_HANDSHAKES,
    maxPendingPerAddress: overrides.maxPendingPerAddress ?? MAX_PENDING_HANDSHAKES_PER_ADDRESS,
    exemptLoopback: overrides.exemptLoopback ?? PER_ADDRESS_BUDGET_EXEMPTS_LOOPBACK,
    sessionDeadlineMs: overrides.sessionDeadlineMs ?? PREAUTH_SESSION_DEADLINE_MS,
    maxStreams: overrides.maxStreams ?? PREAUTH_MAX_STREAMS,
  };
}

/**
 * Whether the server accepted the first message of `conn`, judged once serveLogicalConn has
 * handled it: every refusal (bad message, wrong token, unknown run_id, full pool, …) ends or
 * destroys the connection at once, while an accepted Login (its control started), NewWorkConn
 * (pooled) or NewVisitorConn (relaying) leaves it open both ways. An accepted Login needed the
 * token; an accepted work or visitor connection needed a live run_id (and the token or the
 * session's proof when the server asks for them).
 */
export function firstMessageAccepted(conn: Duplex): boolean {
  return !conn.destroyed && !conn.writableEnded;
}

/** What watchPreauthSession reports. */
export interface PreauthSessionEvents {
  /** The session proved itself: it no longer counts as pending. */
  authenticated(): void;
  logger: Logger;
  remote: string;
}

/**
 * Keeps an unauthenticated yamux session on probation: it is closed at `deadlineMs` unless one of
 * its streams has its first message accepted before (a login, a valid work connection), which
 * authenticates it (full windows, no stream cap). Returns what to call once a stream's first
 * message was handled.
 */
export function watchPreauthSession(
  session: Session,
  deadlineMs: number,
  events: PreauthSessionEvents,
): (stream: Duplex) => void {
  const timer = setTimeout(() => {
    if (session.authenticated || session.isClosed) return;
    events.logger.warn(
      { remote: events.remote, deadlineMs, refusedStreams: session.refusedStreams },
      'not logged in in time; session closed',
    );
    session.close();
  }, deadlineMs);
  session.once('close', () => clearTimeout(timer));
  return (stream) => {
    if (session.authenticated || session.isClosed || !firstMessageAccepted(stream)) return;
    clearTimeout(timer);
    session.authenticate();
    events.authenticated();
  };
}
