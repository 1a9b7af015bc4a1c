// The probe a proxy's [proxies.healthCheck] asks for (tcp or http against localIP:localPort), or none.
import type { ProxyConfig } from '../../config/index.js';
import { probeHttp } from './http-probe.js';
import type { HealthProbe } from './monitor.js';
import { probeTcp } from './tcp-probe.js';

const MS_PER_SECOND = 1000;

/** The check for `config`, or undefined when it has none: no type, or no local port (frp's rule: a plugin proxy is not checked). */
export function healthProbe(config: ProxyConfig): HealthProbe | undefined {
  const check = config.healthCheck;
  if (check.type === '' || config.localPort <= 0) return undefined;
  const target = { host: config.localIP, port: config.localPort, timeoutMs: check.timeoutSeconds * MS_PER_SECOND };
  switch (check.type) {
    case 'tcp':
      return (signal) => probeTcp(target, signal);
    case 'http':
      return (signal) => probeHttp({ ...target, path: check.path, headers: check.httpHeaders }, signal);
  }
}

/** The pause between checks, in ms. */
export function healthIntervalMs(config: ProxyConfig): number {
  return config.healthCheck.intervalSeconds * MS_PER_SECOND;
}
