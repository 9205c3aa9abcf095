import type { TLSSocket } from "node:tls";
import { type CallCredentials, ChannelCredentials, type ChannelOptions, credentials } from "@grpc/grpc-js";
import type { SecureConnector } from "@grpc/grpc-js/build/src/channel-credentials";
import type { GrpcUri } from "@grpc/grpc-js/build/src/uri-parser";
import { toNodePrivateKeyPem } from "../pem";
import { certificateFingerprint, normalizeFingerprint } from "./fingerprint";

/** What a talosconfig context holds for mutual TLS, as PEM text. */
export interface ClientTlsMaterial {
  /** The Talos API (os) CA certificate the node's certificate must chain to. */
  readonly ca: string;
  /** The client certificate (O = roles, e.g. os:admin; ExtKeyUsage clientAuth). */
  readonly crt: string;
  /** The client key; Talos's `ED25519 PRIVATE KEY` label is accepted. */
  readonly key: string;
}

/**
 * Mutual TLS for a configured node: trust only the Talos API CA, present the client certificate,
 * and check the server certificate against the host we dial (grpc-js's default).
 */
export function mutualTlsCredentials(material: ClientTlsMaterial): ChannelCredentials {
  return credentials.createSsl(
    Buffer.from(material.ca),
    Buffer.from(toNodePrivateKeyPem(material.key)),
    Buffer.from(material.crt),
  );
}

/**
 * TLS for a node in maintenance mode: its certificate is self-signed by an ephemeral CA, so it is
 * not verified; with `fingerprint`, the connection is refused unless the certificate's SHA-256
 * matches, before any request is sent.
 */
export function maintenanceCredentials(fingerprint?: string): ChannelCredentials {
  const insecure = credentials.createSsl(null, null, null, { rejectUnauthorized: false });
  if (fingerprint === undefined) return insecure;
  return new PinnedCredentials(insecure, normalizeFingerprint(fingerprint));
}

/** Wraps grpc-js TLS credentials to check the peer certificate's fingerprint right after the handshake. */
class PinnedCredentials extends ChannelCredentials {
  constructor(
    private readonly inner: ChannelCredentials,
    private readonly fingerprint: string,
  ) {
    super();
  }

  _isSecure(): boolean {
    return true;
  }

  _equals(other: ChannelCredentials): boolean {
    return other instanceof PinnedCredentials && other.fingerprint === this.fingerprint && other.inner._equals(this.inner);
  }

  _createSecureConnector(target: GrpcUri, options: ChannelOptions, callCredentials?: CallCredentials): SecureConnector {
    const connector = this.inner._createSecureConnector(target, options, callCredentials);
    const expected = this.fingerprint;
    return {
      async connect(socket) {
        const result = await connector.connect(socket);
        const peer = (result.socket as TLSSocket).getPeerCertificate();
        const actual = peer.raw === undefined ? "(none)" : certificateFingerprint(peer.raw);
        if (actual !== expected) {
          result.socket.destroy();
          throw new Error(
            `the node's certificate fingerprint is ${actual}, expected ${expected}: refusing to send the machine config ` +
              "(check the fingerprint shown on the node's console)",
          );
        }
        return result;
      },
      waitForReady: () => connector.waitForReady(),
      getCallCredentials: () => connector.getCallCredentials(),
      destroy: () => connector.destroy(),
    };
  }
}
