/** The README documents what the code does: subjects, link profiles and selection policies stay in sync. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SUBJECTS_TABLE } from '../../common/events/subjects';
import { PROFILES } from '../../clients/linkem/profiles';
import { SELECTION_POLICIES } from '../../services/coordinator/selection/types';
import { STRATEGIES } from '../../services/coordinator/strategy/registry';
import { STRATEGY_OPTIONS, type StrategyOptionName } from '../../services/coordinator/strategy/types';
import { ROLES, ROLE_HELP } from '../../common/roles';
import { LIMITS, LIMIT_NAMES } from '../../services/coordinator/limits';
import { parseDuration } from '../../common/duration';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('README - lists every NATS subject the code publishes', () => {
    for (const s of SUBJECTS_TABLE) expect(readme).toContain(`\`${s.subject}\``);
  });

  it('README - documents every link profile with its numbers', () => {
    for (const p of PROFILES) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${p.name}\``));
      expect(row, p.name).toBeDefined();
      if (p.name === 'none') continue;
      expect(row).toContain(`| ${p.latencyMs} |`);
      expect(row).toContain(`| ${p.downMbps} | ${p.upMbps} |`);
    }
  });

  it('README - documents every role with what it may do, as the roles registry says', () => {
    for (const role of ROLES) expect(readme).toContain(`| \`${role}\` | ${ROLE_HELP[role]} |`);
  });

  it('README - lists every coordinator limit with its default', () => {
    for (const name of LIMIT_NAMES) {
      const { flag, default: value, kind } = LIMITS[name];
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${flag}\` |`));
      expect(row, flag).toBeDefined();
      const shown = row!.split('|')[2].trim();
      expect(kind === 'duration' ? parseDuration(shown) : Number(shown), flag).toBe(value);
    }
  });

  it('README - explains every selection policy', () => {
    for (const name of SELECTION_POLICIES) expect(readme).toContain(`| \`${name}\` |`);
  });

  it('README - explains every strategy with its options and their defaults, as the registry says', () => {
    for (const [name, s] of STRATEGIES) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, name).toBeDefined();
      const options = Object.entries(s.defaults) as Array<[StrategyOptionName, number]>;
      const shown = row!.split('|')[3].trim();
      expect(shown, name).toBe(options.length ? options.map(([o, d]) => `\`${STRATEGY_OPTIONS[o].flag}\` ${d}`).join(', ') : 'none');
      expect(readme, name).toContain(`\`${name}\``);
    }
    const runOption = readme.split('\n').find((l) => l.startsWith('| `--strategy` |'));
    for (const name of STRATEGIES.keys()) expect(runOption, name).toContain(`\`${name}\``);
    for (const spec of Object.values(STRATEGY_OPTIONS)) expect(readme).toContain(`\`${spec.flag}\``);
  });
});
