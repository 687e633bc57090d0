import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from './load';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

function tempFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'quire-config-')), name);
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('gives every setting its documented default for each role', () => {
    const central = loadConfig({ role: 'central', env: {} });
    const site = loadConfig({ role: 'site', env: {} });
    expect(central.http.port).to.equal(8080);
    expect(site.http.port).to.equal(8090);
    expect(central.grpc.port).to.equal(8093);
    expect(central.db.url).to.equal(`sqlite:${path.join('./var', 'central.db')}`);
    expect(site.spool.dir).to.equal(path.join('./var', 'spool'));
    expect(site.ipp.port).to.equal(631);
    expect(site.lpd.port).to.equal(515);
    expect(central.auth.maxFailedLogins).to.equal(5);
    expect(central.auth.lockoutMinutes).to.equal(15);
  });

  it('reads QUIRE_<SECTION>_<KEY> variables, with camelCase keys in SNAKE_CASE', () => {
    const config = loadConfig({
      role: 'site',
      env: {
        QUIRE_HTTP_PORT: '9000',
        QUIRE_DATA_DIR: '/srv/quire',
        QUIRE_FEDERATION_HEARTBEAT_SECONDS: '3',
        QUIRE_CENTRAL_ADDRESS: 'central.example.org:8093',
        QUIRE_CENTRAL_TLS: 'yes',
        QUIRE_ENROLMENT_TOKEN: 'abc',
        QUIRE_SITE_NAME: 'brno',
      },
    });
    expect(config.http.port).to.equal(9000);
    expect(config.data.dir).to.equal('/srv/quire');
    expect(config.db.url).to.equal('sqlite:/srv/quire/site.db');
    expect(config.federation.heartbeatSeconds).to.equal(3);
    expect(config.central).to.deep.equal({
      address: 'central.example.org:8093',
      tls: true,
      caFile: '',
      clientCertificate: false,
    });
    expect(config.site.name).to.equal('brno');
  });

  it('rejects a bad value, naming the variable and what is expected', () => {
    const problems = problemsOf(() => loadConfig({ role: 'central', env: { QUIRE_HTTP_PORT: 'abc' } }));
    expect(problems).to.deep.equal(['QUIRE_HTTP_PORT: expected a port number from 0 to 65535, got "abc"']);
  });

  it('rejects an unknown QUIRE_ variable, so a typo never falls back silently', () => {
    const problems = problemsOf(() =>
      loadConfig({ role: 'central', env: { QUIRE_HTTP_PROT: '1', PATH: '/bin' } }),
    );
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^QUIRE_HTTP_PROT: unknown setting/);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf(() =>
      loadConfig({
        role: 'site',
        env: { QUIRE_HTTP_PORT: '70000', QUIRE_LOG_LEVEL: 'loud', QUIRE_DB_URL: 'postgres://x' },
      }),
    );
    expect(problems).to.have.length(3);
    expect(problems.join('\n')).to.contain('QUIRE_LOG_LEVEL: expected one of error, warn, info, http, debug');
    expect(problems.join('\n')).to.contain('QUIRE_DB_URL: expected `sqlite:PATH` or `mysql://');
  });

  it('never echoes a secret back in an error', () => {
    const problems = problemsOf(() =>
      loadConfig({ role: 'central', env: { QUIRE_ADMIN_PASSWORD: 'short' } }),
    );
    expect(problems).to.deep.equal(['QUIRE_ADMIN_PASSWORD: expected at least 8 characters, got (hidden)']);
  });

  it('accepts settings of the other role without validating them', () => {
    const config = loadConfig({
      role: 'central',
      env: { QUIRE_SITE_NAME: 'x', QUIRE_IPP_PORT: 'not-a-port' },
    });
    expect(config.ipp.port).to.equal(631);
  });

  it('checks settings that only make sense together', () => {
    const problems = problemsOf(() => loadConfig({ role: 'site', env: { QUIRE_ENROLMENT_TOKEN: 'abc' } }));
    expect(problems[0]).to.match(/QUIRE_ENROLMENT_TOKEN: needs QUIRE_CENTRAL_ADDRESS/);
    const tls = problemsOf(() =>
      loadConfig({ role: 'central', env: { QUIRE_GRPC_TLS_CERT_FILE: '/c.pem' } }),
    );
    expect(tls[0]).to.match(/set both for TLS, or neither/);
  });

  it('reads a YAML file, with the environment winning over it', () => {
    const file = tempFile('central.yaml', 'http:\n  port: 8181\nlog:\n  level: debug\n');
    const config = loadConfig({ role: 'central', env: { QUIRE_LOG_LEVEL: 'warn' }, configFile: file });
    expect(config.http.port).to.equal(8181);
    expect(config.log.level).to.equal('warn');
  });

  it('reads a JSON file', () => {
    const file = tempFile(
      'central.json',
      JSON.stringify({ grpc: { port: 9093 }, auth: { lockoutMinutes: 30 } }),
    );
    const config = loadConfig({ role: 'central', env: {}, configFile: file });
    expect(config.grpc.port).to.equal(9093);
    expect(config.auth.lockoutMinutes).to.equal(30);
  });

  it('names the file and key for unknown keys and bad values in a file', () => {
    const file = tempFile('bad.yaml', 'http:\n  port: many\n  colour: blue\nprinterz:\n  x: 1\n');
    const problems = problemsOf(() => loadConfig({ role: 'central', env: {}, configFile: file }));
    expect(problems).to.have.length(3);
    expect(problems.join('\n')).to.contain(`${file}: unknown key "http.colour"`);
    expect(problems.join('\n')).to.contain(`${file}: unknown section "printerz"`);
    expect(problems.join('\n')).to.contain(
      `${file}: http.port: expected a port number from 0 to 65535, got "many"`,
    );
  });

  it('explains an unreadable or malformed file', () => {
    expect(
      problemsOf(() => loadConfig({ role: 'site', env: {}, configFile: '/nonexistent/q.yaml' }))[0],
    ).to.match(/cannot read the file \(ENOENT\)/);
    const broken = tempFile('broken.yaml', 'http: [1, 2\n');
    expect(problemsOf(() => loadConfig({ role: 'site', env: {}, configFile: broken }))[0]).to.contain(
      'not valid YAML',
    );
    const list = tempFile('list.yaml', '- 1\n- 2\n');
    expect(problemsOf(() => loadConfig({ role: 'site', env: {}, configFile: list }))[0]).to.contain(
      'expected a mapping',
    );
  });
});
