/**
 * One region-name check for the CLI's --region, the deployment settings, room ARNs, console links
 * and the policy schema's `regions`: they accept exactly the same names.
 */
import { readFileSync } from 'node:fs';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { describe, expect, it } from 'vitest';
import { isRegionName, parseRoomArn, REGION_NAME_PATTERN } from '../../lambda/core/arn.js';
import { createPolicyFileAjv } from '../../lambda/policy/ajv.js';
import { consoleUrl } from '../../lambda/render/console-url.js';
import { SETTINGS } from '../../lambda/settings/table.js';

const GOOD = [
  'us-east-1',
  'eu-west-1',
  'us-gov-west-1',
  'cn-north-1',
  'eusc-de-east-1',
  'ap-southeast-7',
  'mx-central-1',
  'us-iso-east-1',
  'us-isob-east-1',
  'ca-west-1',
];
const TYPOS = [
  'us-east1',
  'us-eats-1',
  'useast-1',
  'US-EAST-1',
  'mars-north-1',
  'us-east-0',
  'us-east-01',
  'us-east-1 ',
  'us--east-1',
  '',
];
const CDK_REGIONS = RegionInfo.regions.map((r) => r.name);

const schema = JSON.parse(readFileSync('policies/policy.schema.json', 'utf8'));
const schemaItem = schema.properties.regions.items as { type: string; pattern: string };
const schemaAccepts = createPolicyFileAjv().compile(schemaItem);

/** Every place that decides whether a string is a region name. */
const CHECKS: Record<string, (name: string) => boolean> = {
  isRegionName,
  // Item by item: the list parser trims and drops blanks before this check.
  'regions setting': (name) => SETTINGS.regions.checkItem(name) === undefined,
  'room ARN': (name) => parseRoomArn(`arn:aws:ivschat:${name}:123456789012:room/AbCd1234`) !== undefined,
  'console link host': (name) =>
    consoleUrl({ region: name, roomId: 'AbCd1234', roomArn: '' }).startsWith(`https://${name}.console.`),
  'policy schema regions': (name) => schemaAccepts(name) as boolean,
};

describe('Region names', () => {
  it('counts among its good names the iso and sovereign regions aws-cdk-lib lists', () => {
    const listed = GOOD.filter((name) => CDK_REGIONS.includes(name));
    expect(listed).toContain('us-iso-east-1');
    expect(listed).toContain('eusc-de-east-1');
  });

  describe.each(Object.entries(CHECKS))('%s', (_label, accepts) => {
    it.each(GOOD)('accepts %s', (name) => {
      expect(accepts(name)).toBe(true);
    });

    it.each(TYPOS)('refuses the typo "%s"', (name) => {
      expect(accepts(name)).toBe(false);
    });

    it('accepts every region aws-cdk-lib knows', () => {
      expect(CDK_REGIONS.filter((name) => !accepts(name))).toEqual([]);
    });
  });

  it("holds the policy schema's regions pattern equal to the one check's pattern", () => {
    expect(schemaItem.pattern).toBe(REGION_NAME_PATTERN);
  });
});
