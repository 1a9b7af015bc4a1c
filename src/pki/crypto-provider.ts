// Sets up @peculiar/x509 on Node's WebCrypto once, for every PKI module to import.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 types its provider as the DOM `Crypto`; Node's webcrypto is that API.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509, webcrypto };
