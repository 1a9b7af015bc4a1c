// Version strings: burrow's own, and the frp release whose protocol burrow speaks.

/** burrow's version; a unit test keeps it equal to package.json's. */
export const BURROW_VERSION = '0.1.0';

/** The frp version burrow announces in Login/LoginResp, so frp peers see a version they know. */
export const FRP_COMPAT_VERSION = '0.70.0';
