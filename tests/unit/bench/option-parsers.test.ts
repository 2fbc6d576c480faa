/** The benchmarks' option parsers for a choice and a list of choices (--rdkafka-malloc, --setups, --phases, ...). */
import { parseListOf, parseOneOf } from '../../../bench/harness';

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
});
