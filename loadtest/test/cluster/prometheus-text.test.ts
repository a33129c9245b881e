import { describe, expect, test } from 'vitest';
import {
  MetricsParseError,
  parseMetricsText,
  parseSample,
  seriesKey,
} from '../../src/cluster/prometheus-text.ts';

const EXPOSITION = [
  '# HELP http_requests_total Requests served, with "quotes" and \\ in help.',
  '# TYPE http_requests_total counter',
  'http_requests_total{method="post",code="200"} 1027 1395066363000',
  'http_requests_total{method="post",code="400"}    3 1395066363000',
  '',
  '# A plain comment',
  'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
  'metric_without_labels 12.47',
  'metric_with_empty_labels{} -3.5',
  'trailing_comma{a="1",} 2',
  'request_seconds_bucket{le="+Inf"} 144320',
  'something_weird{problem="division by zero"} +Inf -3982045',
  'negative_infinity -Inf',
  'not_a_number NaN',
  'chat_info{replica="replica-1", version="0.1.0"}\t1',
  'windows_line_ending 7\r',
].join('\n');

describe('parseMetricsText', () => {
  const series = parseMetricsText(EXPOSITION);

  test('reads labelled counters', () => {
    expect(series.get('http_requests_total{code="200",method="post"}')).toBe(1027);
    expect(series.get('http_requests_total{code="400",method="post"}')).toBe(3);
  });

  test('unescapes label values', () => {
    const key = seriesKey('msdos_file_access_time_seconds', {
      error: 'Cannot find file:\n"FILE.TXT"',
      path: 'C:\\DIR\\FILE.TXT',
    });
    expect(series.get(key)).toBe(1.458255915e9);
  });

  test('reads series without labels', () => {
    expect(series.get('metric_without_labels')).toBe(12.47);
    expect(series.get('metric_with_empty_labels')).toBe(-3.5);
    expect(series.get('trailing_comma{a="1"}')).toBe(2);
    expect(series.get('windows_line_ending')).toBe(7);
  });

  test('reads special values', () => {
    expect(series.get('request_seconds_bucket{le="+Inf"}')).toBe(144320);
    expect(series.get('something_weird{problem="division by zero"}')).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(series.get('negative_infinity')).toBe(Number.NEGATIVE_INFINITY);
    expect(series.get('not_a_number')).toBeNaN();
  });

  test('accepts spaces and tabs between parts', () => {
    expect(series.get('chat_info{replica="replica-1",version="0.1.0"}')).toBe(1);
  });

  test('skips comments and blank lines', () => {
    expect(series.size).toBe(12);
  });

  test.each([
    ['no value', 'metric_without_value'],
    ['a word as value', 'metric abc'],
    ['an unclosed label set', 'metric{a="1" 2'],
    ['an unquoted label value', 'metric{a=1} 2'],
    ['an unknown escape', 'metric{a="\\t"} 2'],
    ['an unterminated label value', 'metric{a="open} 2'],
    ['a repeated label', 'metric{a="1",a="2"} 2'],
    ['a non-integer timestamp', 'metric 2 soon'],
    ['text after the timestamp', 'metric 2 1395066363000 extra'],
    ['no metric name', '{a="1"} 2'],
  ])('rejects a line with %s', (_, line) => {
    expect(() => parseMetricsText(`ok 1\n${line}`)).toThrow(MetricsParseError);
    expect(() => parseMetricsText(`ok 1\n${line}`)).toThrow(/^line 2: /);
  });

  test('rejects a repeated series', () => {
    const text = 'metric{a="1",b="2"} 1\nmetric{b="2",a="1"} 2';

    expect(() => parseMetricsText(text)).toThrow(/appears twice/);
  });
});

describe('seriesKey', () => {
  test('sorts labels by name', () => {
    expect(seriesKey('m', { b: '2', a: '1' })).toBe('m{a="1",b="2"}');
  });

  test('leaves out empty label sets', () => {
    expect(seriesKey('m', {})).toBe('m');
  });

  test('round-trips through parseSample', () => {
    const labels = { path: 'C:\\x', quote: 'say "hi"', lines: 'a\nb' };

    const sample = parseSample(`${seriesKey('m', labels)} 4`);

    expect(sample).toEqual({ name: 'm', labels, value: 4 });
  });
});
