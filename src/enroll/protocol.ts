// The JSON bodies of /~!burrow/enroll and /~!burrow/renew, shared by the server and the client.
import { z } from 'zod';
import { AllowancesSchema, type Allowances } from './allowances.js';
import { MAX_TOKEN_LENGTH } from './constants.js';
import { MAX_CSR_PEM_LENGTH } from './csr.js';

/** Body of POST /~!burrow/enroll. */
export const EnrollRequestSchema = z.object({
  token: z.string().min(1).max(MAX_TOKEN_LENGTH),
  csr: z.string().min(1).max(MAX_CSR_PEM_LENGTH),
});
export type EnrollRequest = z.infer<typeof EnrollRequestSchema>;

/** Body of POST /~!burrow/renew (the identity comes from the TLS client certificate). */
export const RenewRequestSchema = z.object({
  csr: z.string().min(1).max(MAX_CSR_PEM_LENGTH),
});
export type RenewRequest = z.infer<typeof RenewRequestSchema>;

/** A successful answer to either request. */
export interface IssuedResponse {
  identity: string;
  /** The client certificate (PEM), followed by intermediates when the CA is one. */
  certificate: string;
  /** The CA certificate (PEM): the client's trustedCaFile. */
  ca: string;
  serial: string;
  notAfter: string;
  /** enroll only: what a ready frpc.toml needs to log in. */
  client?: {
    /** The server's auth.token ("" when the server sets none): frp logins need it. */
    authToken: string;
    /** The server's transport.tcpMux (the client must match it). */
    tcpMux: boolean;
    /** What the identity may do, for the comments of frpc.toml. */
    allowances: Allowances;
  };
}

export const IssuedResponseSchema = z.object({
  identity: z.string(),
  certificate: z.string(),
  ca: z.string(),
  serial: z.string(),
  notAfter: z.string(),
  client: z
    .object({
      authToken: z.string(),
      tcpMux: z.boolean(),
      allowances: AllowancesSchema,
    })
    .optional(),
}) as z.ZodType<IssuedResponse>;

/** A refusal: the reason in words. */
export const ErrorResponseSchema = z.object({ error: z.string() });
