import { describe, expect, it } from 'vitest';
import { isFailing, isUnresolved } from '../../lambda/audit/finding-state.js';
import { ACCOUNT_ID, DEFAULT_REGION, firstRegionOf, topicRegion } from '../../lambda/core/arn.js';
import { readConfig } from '../../lambda/runtime/config.js';

describe('topicRegion: one rule for the CLI and the Lambda', () => {
  it('reads the region of a standard topic', () => {
    expect(topicRegion('arn:aws:sns:eu-west-1:123456789012:ivschat-alerts')).toBe('eu-west-1');
    expect(topicRegion('arn:aws-us-gov:sns:us-gov-west-1:123456789012:a_b-c')).toBe('us-gov-west-1');
  });

  it('refuses what the Lambda refuses at start-up (a FIFO topic, a name with a dot, a short account)', () => {
    for (const arn of [
      'arn:aws:sns:us-east-1:123456789012:alerts.fifo',
      'arn:aws:sns:us-east-1:12345678901:alerts',
      'my-topic',
    ]) {
      expect(topicRegion(arn)).toBeUndefined();
      expect(() => readConfig({ ALERT_TOPIC_ARN: arn })).toThrow(/is not an SNS topic ARN/);
    }
  });
});

describe('account ids and the first region', () => {
  it('takes twelve digits, leading zeros included, and nothing else', () => {
    expect(ACCOUNT_ID.test('000000000000')).toBe(true);
    expect(ACCOUNT_ID.test('12345678901')).toBe(false);
    expect(ACCOUNT_ID.test('1234567890123')).toBe(false);
  });

  it('sends account-wide calls to the first region audited, else us-east-1', () => {
    expect(firstRegionOf(['eu-west-1', 'us-west-2'])).toBe('eu-west-1');
    expect(firstRegionOf([])).toBe(DEFAULT_REGION);
    expect(DEFAULT_REGION).toBe('us-east-1');
  });
});

describe('finding states', () => {
  it('counts new and open findings as failing, exempt and resolved ones not', () => {
    expect(['new', 'open', 'exempt', 'resolved'].map((status) => isFailing({ status } as never))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('keeps everything but resolved as unresolved', () => {
    expect(['new', 'open', 'exempt', 'resolved'].map((status) => isUnresolved({ status } as never))).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });
});
