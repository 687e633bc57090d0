import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { BatchAck as _quire_federation_v1_BatchAck, BatchAck__Output as _quire_federation_v1_BatchAck__Output } from './quire/federation/v1/BatchAck';
import type { CentralHeartbeat as _quire_federation_v1_CentralHeartbeat, CentralHeartbeat__Output as _quire_federation_v1_CentralHeartbeat__Output } from './quire/federation/v1/CentralHeartbeat';
import type { CentralMessage as _quire_federation_v1_CentralMessage, CentralMessage__Output as _quire_federation_v1_CentralMessage__Output } from './quire/federation/v1/CentralMessage';
import type { EnrolRequest as _quire_federation_v1_EnrolRequest, EnrolRequest__Output as _quire_federation_v1_EnrolRequest__Output } from './quire/federation/v1/EnrolRequest';
import type { EnrolResponse as _quire_federation_v1_EnrolResponse, EnrolResponse__Output as _quire_federation_v1_EnrolResponse__Output } from './quire/federation/v1/EnrolResponse';
import type { FederationClient as _quire_federation_v1_FederationClient, FederationDefinition as _quire_federation_v1_FederationDefinition } from './quire/federation/v1/Federation';
import type { Hello as _quire_federation_v1_Hello, Hello__Output as _quire_federation_v1_Hello__Output } from './quire/federation/v1/Hello';
import type { OutboxAck as _quire_federation_v1_OutboxAck, OutboxAck__Output as _quire_federation_v1_OutboxAck__Output } from './quire/federation/v1/OutboxAck';
import type { OutboxBatch as _quire_federation_v1_OutboxBatch, OutboxBatch__Output as _quire_federation_v1_OutboxBatch__Output } from './quire/federation/v1/OutboxBatch';
import type { OutboxRecord as _quire_federation_v1_OutboxRecord, OutboxRecord__Output as _quire_federation_v1_OutboxRecord__Output } from './quire/federation/v1/OutboxRecord';
import type { SiteHeartbeat as _quire_federation_v1_SiteHeartbeat, SiteHeartbeat__Output as _quire_federation_v1_SiteHeartbeat__Output } from './quire/federation/v1/SiteHeartbeat';
import type { SiteMessage as _quire_federation_v1_SiteMessage, SiteMessage__Output as _quire_federation_v1_SiteMessage__Output } from './quire/federation/v1/SiteMessage';
import type { VersionedBatch as _quire_federation_v1_VersionedBatch, VersionedBatch__Output as _quire_federation_v1_VersionedBatch__Output } from './quire/federation/v1/VersionedBatch';
import type { Welcome as _quire_federation_v1_Welcome, Welcome__Output as _quire_federation_v1_Welcome__Output } from './quire/federation/v1/Welcome';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  quire: {
    federation: {
      v1: {
        BatchAck: MessageTypeDefinition<_quire_federation_v1_BatchAck, _quire_federation_v1_BatchAck__Output>
        CentralHeartbeat: MessageTypeDefinition<_quire_federation_v1_CentralHeartbeat, _quire_federation_v1_CentralHeartbeat__Output>
        CentralMessage: MessageTypeDefinition<_quire_federation_v1_CentralMessage, _quire_federation_v1_CentralMessage__Output>
        EnrolRequest: MessageTypeDefinition<_quire_federation_v1_EnrolRequest, _quire_federation_v1_EnrolRequest__Output>
        EnrolResponse: MessageTypeDefinition<_quire_federation_v1_EnrolResponse, _quire_federation_v1_EnrolResponse__Output>
        Federation: SubtypeConstructor<typeof grpc.Client, _quire_federation_v1_FederationClient> & { service: _quire_federation_v1_FederationDefinition }
        Hello: MessageTypeDefinition<_quire_federation_v1_Hello, _quire_federation_v1_Hello__Output>
        OutboxAck: MessageTypeDefinition<_quire_federation_v1_OutboxAck, _quire_federation_v1_OutboxAck__Output>
        OutboxBatch: MessageTypeDefinition<_quire_federation_v1_OutboxBatch, _quire_federation_v1_OutboxBatch__Output>
        OutboxRecord: MessageTypeDefinition<_quire_federation_v1_OutboxRecord, _quire_federation_v1_OutboxRecord__Output>
        SiteHeartbeat: MessageTypeDefinition<_quire_federation_v1_SiteHeartbeat, _quire_federation_v1_SiteHeartbeat__Output>
        SiteMessage: MessageTypeDefinition<_quire_federation_v1_SiteMessage, _quire_federation_v1_SiteMessage__Output>
        VersionedBatch: MessageTypeDefinition<_quire_federation_v1_VersionedBatch, _quire_federation_v1_VersionedBatch__Output>
        Welcome: MessageTypeDefinition<_quire_federation_v1_Welcome, _quire_federation_v1_Welcome__Output>
      }
    }
  }
}

