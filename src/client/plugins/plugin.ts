// What a client plugin is: something that serves a proxy's user connections itself instead of dialing localIP:localPort.
import type { Duplex } from 'node:stream';
import type { PluginConfig, PluginType } from '../../config/plugin-schema.js';
import type { Logger } from '../../log.js';

/** One user connection handed to a plugin, with where it came from (StartWorkConn's addresses). */
export interface PluginConnection {
  /** The user's bytes: the work connection after decryption, decompression and the bandwidth limit. The plugin owns it. */
  readonly conn: Duplex;
  /** The PROXY protocol header the proxy's proxyProtocolVersion asks for, to send first to a local service; undefined when off. */
  readonly proxyProtocolHeader: Buffer | undefined;
  readonly srcAddr: string;
  readonly srcPort: number;
  readonly dstAddr: string;
  readonly dstPort: number;
}

/** What a plugin is created with. */
export interface PluginContext {
  /** The proxy's name (as configured, without the user prefix), for log lines. */
  readonly proxyName: string;
  readonly logger: Logger;
}

/** A running plugin of one proxy. */
export interface ClientPlugin {
  readonly type: PluginType;
  /** Serves one connection; never throws (a failure is logged and that connection closed). */
  handle(connection: PluginConnection): void;
  /** Stops serving: closes the connections it still holds. */
  close(): Promise<void>;
}

/** Creates a plugin from its options; throws BurrowError PLUGIN naming what could not be set up (a file, a key). */
export type PluginFactory = (options: PluginConfig, context: PluginContext) => ClientPlugin;
