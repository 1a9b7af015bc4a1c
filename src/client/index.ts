// The client side's public surface.
export { BurrowClient, isLoginRefused, type ClientOptions, type ProxyStatus } from './client.js';
export { reconnectDelayMs } from './backoff.js';
