/** Selection policies by the name `--selection` uses. */
import { InvalidArgumentError } from '../../../common/errors';
import type { SelectionPolicyName } from '../../../common/types';
import { deadlinePolicy } from './deadline';
import { fcfsPolicy } from './fcfs';
import { randomPolicy } from './random';
import { roundRobinPolicy } from './round-robin';
import { sjfPolicy } from './sjf';
import { SELECTION_POLICIES, type SelectionPolicy } from './types';
import { utilityPolicy } from './utility';

const POLICIES: Record<SelectionPolicyName, SelectionPolicy> = {
  random: randomPolicy,
  fcfs: fcfsPolicy,
  sjf: sjfPolicy,
  'round-robin': roundRobinPolicy,
  deadline: deadlinePolicy,
  utility: utilityPolicy,
};

/** True when `name` is a known selection policy. */
export function isSelectionPolicy(name: string): name is SelectionPolicyName {
  return (SELECTION_POLICIES as readonly string[]).includes(name);
}

/** The policy called `name`; InvalidArgumentError listing the known ones otherwise. */
export function selectionPolicy(name: string): SelectionPolicy {
  if (!isSelectionPolicy(name)) {
    throw new InvalidArgumentError(`unknown selection policy "${name}"; known: ${SELECTION_POLICIES.join(', ')}`);
  }
  return POLICIES[name];
}
