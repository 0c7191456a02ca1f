/** What a DP run has spent, as the round records, `runs show` and the budget check see it. */
import type { PrivacyStep } from '../../../common/types';
import { privacySpent } from './rdp-accountant';

/** ε after `steps` at `delta` (0 before the first committed round). */
export function spentEpsilon(steps: readonly PrivacyStep[], delta: number): number {
  return steps.length === 0 ? 0 : privacySpent(steps, delta).epsilon;
}
