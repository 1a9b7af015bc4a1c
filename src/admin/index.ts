// The admin layer's public surface: the admin HTTP API and dashboard over the views of src/observe.
export { startAdminServer, webServerListenOptions, type AdminServer, type AdminServerOptions } from './server.js';
