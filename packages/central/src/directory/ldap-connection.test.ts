/**
 * Unit tests of the LDAP connection's reply handling, against a scripted loopback peer: replies split at every
 * byte, malformed replies, a notice of disconnection and a silent server. slapd never sends the broken ones, so
 * a scripted peer is the only way to see that each becomes a clean rejection and not a crash or a hang.
 */
import net from 'node:net';
import { expect } from 'chai';
import { LdapConnection, LdapResultError } from './ldap-connection';

// LDAPMessage { messageID 1, BindResponse { resultCode, matchedDN "", diagnosticMessage "" } }.
const bindResponse = (code: number): Buffer =>
  Buffer.from([0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, code, 0x04, 0x00, 0x04, 0x00]);
// LDAPMessage { messageID 0, ExtendedResponse { unavailable, "", "" } }: the server's notice of disconnection.
const disconnectNotice = Buffer.from([
  0x30, 0x0c, 0x02, 0x01, 0x00, 0x78, 0x07, 0x0a, 0x01, 52, 0x04, 0x00, 0x04, 0x00,
]);

/** A peer that answers the first request by calling `reply` with the socket. */
async function scriptedPeer(reply: (socket: net.Socket) => void): Promise<{ url: string; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => reply(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `ldap://127.0.0.1:${port}`,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

async function bindThrough(url: string, timeoutMs = 5_000): Promise<unknown> {
  const connection = await LdapConnection.open({
    url,
    startTls: false,
    tls: {},
    connectTimeoutMs: 2_000,
    timeoutMs,
  });
  try {
    await connection.bind('cn=x,dc=test', 'pw');
    return 'bound';
  } catch (err) {
    return err;
  } finally {
    connection.close();
  }
}

describe('LDAP connection', () => {
  it('reassembles a reply that arrives one byte at a time', async () => {
    const peer = await scriptedPeer((socket) => {
      const bytes = bindResponse(0);
      bytes.forEach((byte, index) => setTimeout(() => socket.write(Buffer.from([byte])), index * 2));
    });
    try {
      expect(await bindThrough(peer.url)).to.equal('bound');
    } finally {
      peer.close();
    }
  });

  it('turns a refused bind into an LdapResultError with its code', async () => {
    const peer = await scriptedPeer((socket) => socket.write(bindResponse(49)));
    try {
      const err = await bindThrough(peer.url);
      expect(err).to.be.instanceOf(LdapResultError);
      expect((err as LdapResultError).resultCode).to.equal(49);
      expect((err as Error).message).to.equal('invalidCredentials (49)');
    } finally {
      peer.close();
    }
  });

  it('rejects a malformed reply instead of crashing', async () => {
    const peer = await scriptedPeer((socket) =>
      socket.write(Buffer.from([0x30, 0x05, 0x02, 0x01, 0x01, 0x99, 0x00])),
    );
    try {
      expect(String(await bindThrough(peer.url))).to.match(/malformed reply: unexpected operation 0x99/);
    } finally {
      peer.close();
    }
  });

  it('rejects when the server announces it is disconnecting', async () => {
    const peer = await scriptedPeer((socket) => socket.end(disconnectNotice));
    try {
      expect(String(await bindThrough(peer.url))).to.include('the server announced it is disconnecting');
    } finally {
      peer.close();
    }
  });

  it('gives up on a server that never answers', async () => {
    const peer = await scriptedPeer(() => undefined);
    try {
      const started = Date.now();
      expect(String(await bindThrough(peer.url, 300))).to.include('no answer within 0.3 s');
      expect(Date.now() - started).to.be.within(250, 2_000);
    } finally {
      peer.close();
    }
  });

  it('rejects a refused connection at open', async () => {
    const peer = await scriptedPeer(() => undefined);
    const url = peer.url;
    peer.close();
    const opening = LdapConnection.open({
      url,
      startTls: false,
      tls: {},
      connectTimeoutMs: 2_000,
      timeoutMs: 1_000,
    });
    const err = await opening.then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(String(err)).to.include('ECONNREFUSED');
  });
});
