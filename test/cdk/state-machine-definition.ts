/**
 * The synthesized state machine definition, tokens resolved: product code since the demos and the
 * bench run it too (demo/state-machine-definition.ts); the CDK and engine tests import it from here.
 */
export {
  type AslDefinition,
  type AslState,
  FAKE_ACCOUNT,
  FAKE_FUNCTION_ARN,
  FAKE_REGION,
  stateMachineDefinition,
} from '../../demo/state-machine-definition.js';
