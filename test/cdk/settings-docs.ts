import { describeAllowed } from '../../lambda/settings/parse.js';
import { SETTING_NAMES, SETTINGS } from '../../lambda/settings/table.js';
import type { Setting } from '../../lambda/settings/types.js';

function renderDefault(setting: Setting): string {
  const value = setting.default;
  if (typeof value === 'number' || typeof value === 'boolean') return `\`${value}\``;
  const text = typeof value === 'string' ? value : value.join(',');
  return text ? `\`${text}\`` : '*(empty)*';
}

/** The settings table of docs/deploy.md, as the settings table says it must read. */
export function docsTable(): string {
  const rows = SETTING_NAMES.map((name) => {
    const setting: Setting = SETTINGS[name];
    const allowed = describeAllowed(setting);
    const env = setting.envVar ? `\`${setting.envVar}\`` : '—';
    return `| \`${name}\` | ${env} | ${renderDefault(setting)} | ${allowed} | ${setting.doc} |`;
  });
  return [
    '| Key | Function variable | Default | Allowed | Meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
