import { Validations, type App, type Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { suppressReviewedFindings, type Acknowledgement } from './nag-suppressions.ts';

/**
 * cdk-nag's AWS Solutions rules on every synthesis of `app` (the CLI's and the tests'): a finding
 * that is not acknowledged with a reason (`nag-suppressions.ts`) fails the synthesis.
 */
export function applyBestPracticeChecks(app: App, stacks: readonly Stack[]): Acknowledgement[] {
  const acknowledged = stacks.flatMap((stack) => suppressReviewedFindings(stack));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return acknowledged;
}
