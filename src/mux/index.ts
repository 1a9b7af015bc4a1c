// The mux layer's public surface: yamux constants, frame codec, parser, Session and MuxStream.

export * from './const.js';
export { encodeHeader, decodeHeader, describeHeader, type FrameHeader } from './frame.js';
export { FrameParser, type FrameHandler } from './parser.js';
export { Session, type SessionOptions } from './session.js';
export { MuxStream } from './stream.js';
export { NotYamuxPeerError, isMuxError } from './errors.js';
export { StreamState, type StreamStateValue } from './stream-state.js';
