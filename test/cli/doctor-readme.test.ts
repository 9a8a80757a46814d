import { describe, expect, it } from 'vitest';
import {
  HOME,
  injectDoctorFaults,
  runDoctorCli,
  seedDemoDeployment,
  seedDemoState,
} from '../../demo/doctor-demo.js';
import { startLocalAws } from '../../local-aws/index.js';
import { readmeBlock } from './readme-block.js';

describe('the README\'s "After you deploy" output', () => {
  it('is what doctor prints for the demo deployment with its three faults (npm run demo -- --doctor)', async () => {
    const aws = await startLocalAws();
    const state = await seedDemoState(aws);
    try {
      const deployment = seedDemoDeployment(aws, { eventBus: 'default' });
      await injectDoctorFaults(aws, deployment);
      const { code, stdout } = await runDoctorCli(aws);
      expect(code).toBe(1);
      const shown = `$ ivschat-audit doctor --stack IvsChatAuditor --region ${HOME}\n${stdout}(exit ${code})\n`;
      expect(readmeBlock('doctor-demo')).toBe(shown);
    } finally {
      await state.close();
      await aws.close();
    }
  });
});
