/** The docs say what the code does: subjects, link profiles, roles, limits, selection policies and strategies stay in sync with their registries. */
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

const doc = (name: string): string => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');
const architecture = doc('architecture.md');
const scheduling = doc('scheduling.md');
const security = doc('security.md');
const cli = doc('cli.md');

describe('docs in sync with the registries', () => {
  it('docs/architecture.md - lists every NATS subject the code publishes', () => {
    for (const s of SUBJECTS_TABLE) expect(architecture).toContain(`\`${s.subject}\``);
  });

  it('docs/scheduling.md - documents every link profile with its numbers', () => {
    for (const p of PROFILES) {
      const row = scheduling.split('\n').find((l) => l.startsWith(`| \`${p.name}\``));
      expect(row, p.name).toBeDefined();
      if (p.name === 'none') continue;
      expect(row).toContain(`| ${p.latencyMs} |`);
      expect(row).toContain(`| ${p.downMbps} | ${p.upMbps} |`);
    }
  });

  it('docs/security.md - documents every role with what it may do, as the roles registry says', () => {
    for (const role of ROLES) expect(security).toContain(`| \`${role}\` | ${ROLE_HELP[role]} |`);
  });

  it('docs/security.md - lists every coordinator limit with its default', () => {
    for (const name of LIMIT_NAMES) {
      const { flag, default: value, kind } = LIMITS[name];
      const row = security.split('\n').find((l) => l.startsWith(`| \`${flag}\` |`));
      expect(row, flag).toBeDefined();
      const shown = row!.split('|')[2].trim();
      expect(kind === 'duration' ? parseDuration(shown) : Number(shown), flag).toBe(value);
    }
  });

  it('docs/scheduling.md - explains every selection policy', () => {
    for (const name of SELECTION_POLICIES) expect(scheduling).toContain(`| \`${name}\` |`);
  });

  it('docs/scheduling.md - explains every strategy with its options and their defaults, as the registry says; docs/cli.md lists them all under --strategy', () => {
    for (const [name, s] of STRATEGIES) {
      const row = scheduling.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, name).toBeDefined();
      const options = Object.entries(s.defaults) as Array<[StrategyOptionName, number]>;
      const shown = row!.split('|')[3].trim();
      expect(shown, name).toBe(options.length ? options.map(([o, d]) => `\`${STRATEGY_OPTIONS[o].flag}\` ${d}`).join(', ') : 'none');
      expect(scheduling, name).toContain(`\`${name}\``);
    }
    const runOption = cli.split('\n').find((l) => l.startsWith('| `--strategy` |'));
    for (const name of STRATEGIES.keys()) expect(runOption, name).toContain(`\`${name}\``);
    for (const spec of Object.values(STRATEGY_OPTIONS)) expect(scheduling + cli).toContain(`\`${spec.flag}\``);
  });
});
