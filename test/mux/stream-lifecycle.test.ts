// A stream's state through real sessions: open, ACK, half-closes, reset and session close (stream-state.ts at work).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { StreamState } from '../../src/mux/stream-state.js';
import type { MuxStream } from '../../src/mux/stream.js';
import { sessionPair, waitFor, within } from './helpers.js';

test('open → SYNSent, ACK → Established, FIN both ways → Closed on both sides', async () => {
  const pair = await sessionPair();
  try {
    const accepted = new Promise<MuxStream>((resolve) => pair.server.once('stream', resolve));
    const c = pair.client.open();
    assert.equal(c.streamState, StreamState.SYNSent);
    const s = await within(accepted, 5000, 'accept');
    assert.equal(s.streamState, StreamState.Established);
    await waitFor(() => c.streamState === StreamState.Established, 'the ACK');
    c.end();
    await waitFor(() => c.streamState === StreamState.LocalClose, 'our FIN');
    await waitFor(() => s.streamState === StreamState.RemoteClose, 'their FIN');
    s.resume();
    s.end();
    await waitFor(() => s.streamState === StreamState.Closed, 'server side closed');
    c.resume();
    await waitFor(() => c.streamState === StreamState.Closed, 'client side closed');
    assert.equal(pair.client.numStreams, 0);
    assert.equal(pair.server.numStreams, 0);
  } finally {
    await pair.close();
  }
});

test('destroy → Reset on both sides; session close → Closed', async () => {
  const pair = await sessionPair();
  try {
    const accepted = new Promise<MuxStream>((resolve) => pair.server.once('stream', resolve));
    const c = pair.client.open();
    const s = await within(accepted, 5000, 'accept');
    s.on('error', () => {});
    c.destroy();
    assert.equal(c.streamState, StreamState.Reset);
    await waitFor(() => s.streamState === StreamState.Reset, 'the peer RST');

    const accepted2 = new Promise<MuxStream>((resolve) => pair.server.once('stream', resolve));
    const c2 = pair.client.open();
    c2.on('error', () => {});
    const s2 = await within(accepted2, 5000, 'accept');
    s2.on('error', () => {});
    const gone = once(c2, 'close');
    pair.client.close();
    await gone;
    assert.equal(c2.streamState, StreamState.Closed);
  } finally {
    await pair.close();
  }
});
