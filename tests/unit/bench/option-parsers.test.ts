/** The benchmarks' option parsers for a choice, a list of choices (--rdkafka-malloc, --setups, --phases, ...) and a list of numbers (--partitions, --delays-ms, ...). */
import { parseCountList, parseListOf, parseOneOf } from '../../../bench/harness';

const phases = ['create', 'controller', 'shutdown'] as const;

describe('bench option parsers', () => {
  it('takes one of the choices and names the others when given something else', () => {
    const parse = parseOneOf(phases, 'phase');
    expect(parse('controller')).toBe('controller');
    expect(() => parse('Controller')).toThrow('unknown phase "Controller" (known: create, controller, shutdown)');
    expect(() => parse('')).toThrow(/unknown phase ""/);
  });

  it('takes a comma-separated list of choices in the order given, and refuses it for one unknown', () => {
    const parse = parseListOf(phases, 'phase');
    expect(parse('shutdown, create')).toEqual(['shutdown', 'create']);
    expect(parse('controller,')).toEqual(['controller']);
    expect(() => parse('create,kill')).toThrow('unknown phase "kill" (known: create, controller, shutdown)');
  });

  it('takes whole numbers separated by commas within their bounds, and names the bounds when one is outside', () => {
    expect(parseCountList('partition counts')('1000, 5000,10000')).toEqual([1000, 5000, 10000]);
    expect(() => parseCountList('partition counts')('1000,0')).toThrow('expected partition counts separated by commas, each at least 1, got "1000,0"');
    expect(() => parseCountList('partition counts')('1000,1.5')).toThrow(/got "1000,1.5"/);
    expect(parseCountList('milliseconds', { min: 0 })('100,0')).toEqual([100, 0]);
    expect(() => parseCountList('paths per multiRead', { max: 1000 })('500,1001')).toThrow('expected paths per multiRead separated by commas, each from 1 to 1000, got "500,1001"');
  });
});
