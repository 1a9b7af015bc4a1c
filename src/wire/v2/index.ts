// Public API of frp wire protocol v2's building blocks: constants, frames, hellos, key schedule, AEAD stream.
export * from './constants.js';
export {
  decodeFrameHeader,
  decodeMessageFrame,
  decodeMessagePayload,
  encodeFrame,
  encodeMessageFrame,
  frameTypeName,
  readFrame,
  readV2Message,
  type ReadFrameOptions,
  type V2Frame,
  type V2FrameHeader,
} from './frame.js';
export {
  checkAlgorithmList,
  checkServerHello,
  decodeClientHello,
  decodeServerHello,
  encodeClientHello,
  encodeServerHello,
  HelloError,
  isSupportedAlgorithm,
  newClientHello,
  newServerHello,
  preferredAlgorithms,
  selectAlgorithm,
  serverHelloError,
  type BootstrapInfo,
  type ClientHello,
  type ServerHello,
} from './hello.js';
export { deriveControlKeys, hkdfInfo, transcriptHash, type ControlKeys } from './crypto.js';
export { createRecordAead, incrementNonce, nonceSize, type RecordAead } from './aead.js';
export { createAeadStream, type AeadStreamOptions } from './aead-stream.js';
