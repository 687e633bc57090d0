/**
 * @quire/shared-proto: the federation contract between a site and central, and the small helpers both tiers use
 * to open it. The wire types come from `proto/quire/federation/v1/federation.proto`; the TypeScript types in
 * `src/generated` are produced from it by `npm run proto:gen` and must describe the objects `loadSync` builds,
 * so LOADER_OPTIONS here and the generator flags in `scripts/gen-types.cjs` always change together.
 */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/federation';
import type {
  FederationClient,
  FederationDefinition,
  FederationHandlers,
} from './generated/quire/federation/v1/Federation';

export type { FederationClient, FederationDefinition, FederationHandlers };
export type { CentralMessage, CentralMessage__Output } from './generated/quire/federation/v1/CentralMessage';
export type { SiteMessage, SiteMessage__Output } from './generated/quire/federation/v1/SiteMessage';
export type { EnrolRequest, EnrolRequest__Output } from './generated/quire/federation/v1/EnrolRequest';
export type { EnrolResponse, EnrolResponse__Output } from './generated/quire/federation/v1/EnrolResponse';
export type { Hello, Hello__Output } from './generated/quire/federation/v1/Hello';
export type { Welcome, Welcome__Output } from './generated/quire/federation/v1/Welcome';
export type { SiteHeartbeat, SiteHeartbeat__Output } from './generated/quire/federation/v1/SiteHeartbeat';
export type {
  CentralHeartbeat,
  CentralHeartbeat__Output,
} from './generated/quire/federation/v1/CentralHeartbeat';
export type { OutboxRecord, OutboxRecord__Output } from './generated/quire/federation/v1/OutboxRecord';
export type { OutboxBatch, OutboxBatch__Output } from './generated/quire/federation/v1/OutboxBatch';
export type { OutboxAck, OutboxAck__Output } from './generated/quire/federation/v1/OutboxAck';
export type { VersionedBatch, VersionedBatch__Output } from './generated/quire/federation/v1/VersionedBatch';
export type { BatchAck, BatchAck__Output } from './generated/quire/federation/v1/BatchAck';
export * from './replication';

/** The federation protocol version this build speaks; a site sends it in Hello, central in Welcome. */
export const PROTOCOL_VERSION = 1;

/** The oldest protocol version central still accepts from a site. */
export const MIN_PROTOCOL_VERSION = 1;

/** Call metadata that names the site on a Session call (gRPC metadata keys are lower case). */
export const SITE_ID_METADATA_KEY = 'x-quire-site-id';

/** Call metadata that carries `Bearer <credential>` on a Session call. */
export const AUTHORIZATION_METADATA_KEY = 'authorization';

/**
 * The directory holding the .proto files. Resolved from this file's location, which is `dist/src` once
 * compiled, so the package's `proto/` folder must ship next to `dist/` (see `files` in package.json).
 */
export const PROTO_DIR = path.resolve(__dirname, '..', '..', 'proto');

/**
 * How `@grpc/proto-loader` turns wire messages into objects: camelCase field names, 64-bit integers as decimal
 * strings (so sequence numbers never lose precision), enums as their names, absent scalars filled with their
 * defaults, and a virtual `payload` field naming which oneof member is set.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

/** The `quire.federation.v1` package namespace of the loaded protos. */
export type FederationPackage = ProtoGrpcType['quire']['federation']['v1'];

let loaded: FederationPackage | undefined;

/**
 * Load `quire.federation.v1` once per process. Parsing the protos is synchronous file I/O, so it happens on the
 * first call (at server start-up) and is cached after that.
 */
export function loadFederationPackage(): FederationPackage {
  if (!loaded) {
    const definition = protoLoader.loadSync('quire/federation/v1/federation.proto', LOADER_OPTIONS);
    const root = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
    loaded = root.quire.federation.v1;
  }
  return loaded;
}

/** The Federation service definition, for `grpc.Server.addService` on central. */
export function federationServiceDefinition(): FederationDefinition {
  return loadFederationPackage().Federation.service;
}

/**
 * A typed Federation client for `address` (`host:port`). `options` are gRPC channel options, for example
 * keepalive settings; the caller closes the client when done.
 */
export function createFederationClient(
  address: string,
  credentials: grpc.ChannelCredentials,
  options: grpc.ClientOptions = {},
): FederationClient {
  const Federation = loadFederationPackage().Federation;
  return new Federation(address, credentials, options);
}

/** The metadata a site sends on a Session call to authenticate with its per-site credential. */
export function siteSessionMetadata(siteId: string, credential: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set(SITE_ID_METADATA_KEY, siteId);
  metadata.set(AUTHORIZATION_METADATA_KEY, `Bearer ${credential}`);
  return metadata;
}

/**
 * Read the site id and credential from Session call metadata, or null when either is missing or malformed.
 * The bearer scheme name is matched case-insensitively, as in HTTP.
 */
export function readSiteSessionMetadata(
  metadata: grpc.Metadata,
): { siteId: string; credential: string } | null {
  const siteId = firstString(metadata.get(SITE_ID_METADATA_KEY));
  const authorization = firstString(metadata.get(AUTHORIZATION_METADATA_KEY));
  if (!siteId || !authorization) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) return null;
  return { siteId: siteId.trim(), credential: match[1] };
}

function firstString(values: grpc.MetadataValue[]): string | null {
  const value = values[0];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * A 64-bit integer field as decoded (a decimal string, see LOADER_OPTIONS) converted to a number of milliseconds
 * or seconds. Values beyond 2^53 or malformed strings give null rather than a wrong number.
 */
export function int64ToNumber(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isSafeInteger(n) ? n : null;
}
