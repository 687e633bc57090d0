// Original file: quire/federation/v1/federation.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CentralMessage as _quire_federation_v1_CentralMessage, CentralMessage__Output as _quire_federation_v1_CentralMessage__Output } from '../../../quire/federation/v1/CentralMessage';
import type { EnrolRequest as _quire_federation_v1_EnrolRequest, EnrolRequest__Output as _quire_federation_v1_EnrolRequest__Output } from '../../../quire/federation/v1/EnrolRequest';
import type { EnrolResponse as _quire_federation_v1_EnrolResponse, EnrolResponse__Output as _quire_federation_v1_EnrolResponse__Output } from '../../../quire/federation/v1/EnrolResponse';
import type { SiteMessage as _quire_federation_v1_SiteMessage, SiteMessage__Output as _quire_federation_v1_SiteMessage__Output } from '../../../quire/federation/v1/SiteMessage';

export interface FederationClient extends grpc.Client {
  Enrol(argument: _quire_federation_v1_EnrolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_quire_federation_v1_EnrolResponse__Output>): grpc.ClientUnaryCall;
  Enrol(argument: _quire_federation_v1_EnrolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_quire_federation_v1_EnrolResponse__Output>): grpc.ClientUnaryCall;
  Enrol(argument: _quire_federation_v1_EnrolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_quire_federation_v1_EnrolResponse__Output>): grpc.ClientUnaryCall;
  Enrol(argument: _quire_federation_v1_EnrolRequest, callback: grpc.requestCallback<_quire_federation_v1_EnrolResponse__Output>): grpc.ClientUnaryCall;
  enrol(argument: _quire_federation_v1_EnrolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_quire_federation_v1_EnrolResponse__Output>): grpc.ClientUnaryCall;
  enrol(argument: _quire_federation_v1_EnrolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_quire_federation_v1_EnrolResponse__Output>): grpc.ClientUnaryCall;
  enrol(argument: _quire_federation_v1_EnrolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_quire_federation_v1_EnrolResponse__Output>): grpc.ClientUnaryCall;
  enrol(argument: _quire_federation_v1_EnrolRequest, callback: grpc.requestCallback<_quire_federation_v1_EnrolResponse__Output>): grpc.ClientUnaryCall;
  
  Session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_quire_federation_v1_SiteMessage, _quire_federation_v1_CentralMessage__Output>;
  Session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_quire_federation_v1_SiteMessage, _quire_federation_v1_CentralMessage__Output>;
  session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_quire_federation_v1_SiteMessage, _quire_federation_v1_CentralMessage__Output>;
  session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_quire_federation_v1_SiteMessage, _quire_federation_v1_CentralMessage__Output>;
  
}

export interface FederationHandlers extends grpc.UntypedServiceImplementation {
  Enrol: grpc.handleUnaryCall<_quire_federation_v1_EnrolRequest__Output, _quire_federation_v1_EnrolResponse>;
  
  Session: grpc.handleBidiStreamingCall<_quire_federation_v1_SiteMessage__Output, _quire_federation_v1_CentralMessage>;
  
}

export interface FederationDefinition extends grpc.ServiceDefinition {
  Enrol: MethodDefinition<_quire_federation_v1_EnrolRequest, _quire_federation_v1_EnrolResponse, _quire_federation_v1_EnrolRequest__Output, _quire_federation_v1_EnrolResponse__Output>
  Session: MethodDefinition<_quire_federation_v1_SiteMessage, _quire_federation_v1_CentralMessage, _quire_federation_v1_SiteMessage__Output, _quire_federation_v1_CentralMessage__Output>
}
