/**
 * Renders docs/configuration.md from the schema, so the docs can never drift from the code.
 */
import { configSchema } from './schema';
import { envName, type Setting } from './setting';

function defaultText(setting: Setting<unknown>): string {
  if (setting.defaultDoc) return setting.defaultDoc;
  const value = setting.defaultValue;
  if (value === '') return 'empty';
  return `\`${String(value)}\``;
}

/** The whole Markdown page. */
export function renderConfigDocs(): string {
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated from packages/common/src/config/schema.ts by `npm run docs:config`. Do not edit by hand. -->',
    '',
    'Every setting can be given as an environment variable `QUIRE_<SECTION>_<KEY>` or in a YAML or JSON file',
    'passed with `--config FILE` (`quire-central serve --config central.yaml`), under the same section and key:',
    '',
    '```yaml',
    'http:',
    '  port: 8080',
    'db:',
    '  url: mysql://quire:secret@127.0.0.1:3306/quire',
    '```',
    '',
    'The environment wins over the file, and the file over the default. The configuration is checked at start-up:',
    'a bad value, an unknown `QUIRE_*` variable or an unknown file key stops the server with exit code 2 and a',
    'message that names the key and says what is wrong. Settings of the other role are accepted and ignored, so',
    'one environment file can serve both servers.',
    '',
  ];
  for (const [section, settings] of Object.entries(configSchema)) {
    lines.push(
      `## ${section}`,
      '',
      '| variable | file key | read by | type | default | meaning |',
      '|---|---|---|---|---|---|',
    );
    for (const [key, setting] of Object.entries(settings as Record<string, Setting<unknown>>)) {
      const cells = [
        `\`${envName(section, key)}\``,
        `\`${section}.${key}\``,
        setting.roles.join(', '),
        setting.type,
        defaultText(setting),
        setting.doc + (setting.secret ? ' Secret: never logged.' : ''),
      ];
      lines.push(`| ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
