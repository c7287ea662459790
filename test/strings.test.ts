// The string family against a real server, on one, two and three shards:
// every command, its options and error replies, keys on different shards,
// RESP2 and RESP3 reply shapes, and concurrent counters.
//
// Expected values come from stock redis-server 7.0.15: the tables below were
// produced by running the same commands against it (ioredis replies), and the
// raw byte strings were read from its socket.

import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { useServer } from './helpers/server.ts';
import { connectResp3, flushBeforeEach, ioredis, useClient } from './helpers/clients.ts';
import { afterHello3, exchange, respCommands } from './helpers/raw-client.ts';
import { formatDouble } from '../src/protocol/number-format.ts';

/** An ioredis reply, an error reply's text, or an integer too large for a JS number (checked exactly). */
type Expected = string | number | null | { error: string } | { integer: string } | Expected[];
type Step = [string[], Expected];

async function runSteps(client: Redis, exact: Redis, steps: Step[]): Promise<void> {
  for (const [command, expected] of steps) {
    const precise = expected !== null && typeof expected === 'object' && 'integer' in expected;
    let actual: unknown;
    try {
      actual = await (precise ? exact : client).call(command[0], ...command.slice(1));
    } catch (error) {
      actual = { error: (error as Error).message };
    }
    expect(actual, command.join(' ')).toEqual(precise ? expected.integer : expected);
  }
}

const SET_STEPS: Step[] = [
  [['GET', 'a'], null],
  [['SET', 'a', 'v'], 'OK'],
  [['GET', 'a'], 'v'],
  [['SET', 'a', 'w', 'GET'], 'v'],
  [['GET', 'a'], 'w'],
  [['SET', 'n', '1', 'NX'], 'OK'],
  [['SET', 'n', '2', 'NX'], null],
  [['GET', 'n'], '1'],
  [['SET', 'x', '1', 'XX'], null],
  [['EXISTS', 'x'], 0],
  [['SET', 'n', '3', 'XX'], 'OK'],
  [['GET', 'n'], '3'],
  [['SET', 'n', '4', 'NX', 'GET'], '3'],
  [['GET', 'n'], '3'],
  [['SET', 'x', '1', 'XX', 'GET'], null],
  [['EXISTS', 'x'], 0],
  [['SET', 'y', '1', 'NX', 'GET'], null],
  [['GET', 'y'], '1'],
  [['SET', 'n', '5', 'XX', 'GET'], '3'],
  [['GET', 'n'], '5'],
  [['SET', 'a', 'v', 'nx', 'xx'], { error: 'ERR syntax error' }],
  [['SET', 'a', 'v', 'XX', 'NX'], { error: 'ERR syntax error' }],
  [['SET', 'a', 'v', 'NX', 'NX'], null],
  [['SET', 'a', 'v', 'GET', 'GET'], 'w'],
  [['SET', 'a', 'v', 'KEEPTTL', 'KEEPTTL'], 'OK'],
  [['SET', 'a', 'v', 'EX'], { error: 'ERR syntax error' }],
  [['SET', 'a', 'v', 'EX', '10', 'PX', '100'], { error: 'ERR syntax error' }],
  [['SET', 'a', 'v', 'EXAT', '10', 'PXAT', '100'], { error: 'ERR syntax error' }],
  [['SET', 'a', 'v', 'KEEPTTL', 'EX', '10'], { error: 'ERR syntax error' }],
  [['SET', 'a', 'v', 'PX', '10', 'KEEPTTL'], { error: 'ERR syntax error' }],
  [['SET', 'a', 'v', 'PERSIST'], { error: 'ERR syntax error' }],
  [['SET', 'a', 'v', 'BADOPT'], { error: 'ERR syntax error' }],
  [['SET', 'a', 'v', 'EX', 'abc'], { error: 'ERR value is not an integer or out of range' }],
  [['SET', 'a', 'v', 'EX', 'abc', 'BADOPT'], { error: 'ERR syntax error' }],
  [['SET', 'a', 'v', 'EX', '1.5'], { error: 'ERR value is not an integer or out of range' }],
  [['SET', 'a', 'v', 'EX', '0'], { error: "ERR invalid expire time in 'set' command" }],
  [['SET', 'a', 'v', 'EX', '-5'], { error: "ERR invalid expire time in 'set' command" }],
  [['SET', 'a', 'v', 'PX', '0'], { error: "ERR invalid expire time in 'set' command" }],
  [['SET', 'a', 'v', 'EXAT', '0'], { error: "ERR invalid expire time in 'set' command" }],
  [['SET', 'a', 'v', 'PXAT', '-1'], { error: "ERR invalid expire time in 'set' command" }],
  [['SET', 'a', 'v', 'EX', '9223372036854776'], { error: "ERR invalid expire time in 'set' command" }],
  [['SET', 'a', 'v', 'EX', '9223372036854775808'], { error: 'ERR value is not an integer or out of range' }],
  [['SET', 'a', 'v', 'PX', '9223372036854775807'], { error: "ERR invalid expire time in 'set' command" }],
  [['SET', 'a', 'v', 'EX', '0', 'NX', 'GET'], { error: "ERR invalid expire time in 'set' command" }],
  [['SET', 'a'], { error: "ERR wrong number of arguments for 'set' command" }],
  [['GET'], { error: "ERR wrong number of arguments for 'get' command" }],
  [['GET', 'a', 'b'], { error: "ERR wrong number of arguments for 'get' command" }],
  [['SET', '', 'empty-key'], 'OK'],
  [['GET', ''], 'empty-key'],
  [['SET', 'e', ''], 'OK'],
  [['GET', 'e'], ''],
  [['STRLEN', 'e'], 0],
];
const VARIANT_STEPS: Step[] = [
  [['SETNX', 'a', '1'], 1],
  [['SETNX', 'a', '2'], 0],
  [['GET', 'a'], '1'],
  [['SETNX', 'a'], { error: "ERR wrong number of arguments for 'setnx' command" }],
  [['SETEX', 'b', '100', 'v'], 'OK'],
  [['GET', 'b'], 'v'],
  [['SETEX', 'b', '0', 'v'], { error: "ERR invalid expire time in 'setex' command" }],
  [['SETEX', 'b', '-1', 'v'], { error: "ERR invalid expire time in 'setex' command" }],
  [['SETEX', 'b', 'x', 'v'], { error: 'ERR value is not an integer or out of range' }],
  [['SETEX', 'b', '9223372036854776', 'v'], { error: "ERR invalid expire time in 'setex' command" }],
  [['SETEX', 'b', '10'], { error: "ERR wrong number of arguments for 'setex' command" }],
  [['PSETEX', 'c', '100000', 'v'], 'OK'],
  [['GET', 'c'], 'v'],
  [['PSETEX', 'c', '0', 'v'], { error: "ERR invalid expire time in 'psetex' command" }],
  [['PSETEX', 'c', 'abc', 'v'], { error: 'ERR value is not an integer or out of range' }],
  [['GETSET', 'a', 'new'], '1'],
  [['GET', 'a'], 'new'],
  [['GETSET', 'missing', 'first'], null],
  [['GET', 'missing'], 'first'],
  [['GETSET', 'a'], { error: "ERR wrong number of arguments for 'getset' command" }],
  [['GETDEL', 'a'], 'new'],
  [['GETDEL', 'a'], null],
  [['EXISTS', 'a'], 0],
  [['GETDEL'], { error: "ERR wrong number of arguments for 'getdel' command" }],
  [['GETDEL', 'a', 'b'], { error: "ERR wrong number of arguments for 'getdel' command" }],
];
const GETEX_STEPS: Step[] = [
  [['GETEX', 'a'], null],
  [['SET', 'a', 'v'], 'OK'],
  [['GETEX', 'a'], 'v'],
  [['GETEX', 'a', 'EX', '0'], { error: "ERR invalid expire time in 'getex' command" }],
  [['GETEX', 'a', 'EX', 'x'], { error: 'ERR value is not an integer or out of range' }],
  [['GETEX', 'missing', 'EX', 'x'], null],
  [['GETEX', 'missing', 'BADOPT'], { error: 'ERR syntax error' }],
  [['GETEX', 'a', 'BADOPT'], { error: 'ERR syntax error' }],
  [['GETEX', 'a', 'KEEPTTL'], { error: 'ERR syntax error' }],
  [['GETEX', 'a', 'NX'], { error: 'ERR syntax error' }],
  [['GETEX', 'a', 'GET'], { error: 'ERR syntax error' }],
  [['GETEX', 'a', 'PERSIST', 'EX', '10'], { error: 'ERR syntax error' }],
  [['GETEX', 'a', 'EX', '10', 'PERSIST'], { error: 'ERR syntax error' }],
  [['GETEX', 'a', 'EX', '10', 'PX', '10'], { error: 'ERR syntax error' }],
  [['GETEX', 'a', 'EX'], { error: 'ERR syntax error' }],
  [['GETEX', 'a', 'PERSIST', 'PERSIST'], 'v'],
  [['GETEX', 'a', 'EX', '9223372036854776'], { error: "ERR invalid expire time in 'getex' command" }],
  [['GETEX', 'a', 'PX', '9223372036854775807'], { error: "ERR invalid expire time in 'getex' command" }],
  [['GETEX', 'a', 'EXAT', '1'], 'v'],
  [['EXISTS', 'a'], 0],
  [['GETEX'], { error: "ERR wrong number of arguments for 'getex' command" }],
];
const MULTI_STEPS: Step[] = [
  [['MSET', 'a', '1', 'b', '2', 'c', '3'], 'OK'],
  [['MGET', 'a', 'b', 'c', 'd'], ['1', '2', '3', null]],
  [['MSET', 'a', '1', 'b'], { error: "ERR wrong number of arguments for 'mset' command" }],
  [['MSET', 'a'], { error: "ERR wrong number of arguments for 'mset' command" }],
  [['MSETNX', 'a', '1', 'b'], { error: "ERR wrong number of arguments for 'msetnx' command" }],
  [['MSETNX', 'a'], { error: "ERR wrong number of arguments for 'msetnx' command" }],
  [['MSETNX', 'x', '1', 'y', '2', 'z', '3'], 1],
  [['MGET', 'x', 'y', 'z'], ['1', '2', '3']],
  [['MSETNX', 'x', '9', 'w', '2'], 0],
  [['MGET', 'x', 'w'], ['1', null]],
  [['MSETNX', 'k1', '1', 'k2', '2', 'k1', '3'], 1],
  [['MGET', 'k1', 'k2'], ['3', '2']],
  [['MSET', 'a', 'x', 'a', 'y'], 'OK'],
  [['GET', 'a'], 'y'],
  [['MGET'], { error: "ERR wrong number of arguments for 'mget' command" }],
  [['MGET', 'a', 'a', 'nope', 'b', 'b'], ['y', 'y', null, '2', '2']],
];
const RANGE_STEPS: Step[] = [
  [['APPEND', 'a', 'hello'], 5],
  [['APPEND', 'a', ' world'], 11],
  [['GET', 'a'], 'hello world'],
  [['STRLEN', 'a'], 11],
  [['STRLEN', 'nope'], 0],
  [['APPEND', 'a', ''], 11],
  [['APPEND', 'e', ''], 0],
  [['EXISTS', 'e'], 1],
  [['STRLEN'], { error: "ERR wrong number of arguments for 'strlen' command" }],
  [['APPEND', 'a'], { error: "ERR wrong number of arguments for 'append' command" }],
  [['GETRANGE', 'a', '0', '4'], 'hello'],
  [['GETRANGE', 'a', '-5', '-1'], 'world'],
  [['GETRANGE', 'a', '-1', '-5'], ''],
  [['GETRANGE', 'a', '5', '2'], ''],
  [['GETRANGE', 'a', '0', '-1'], 'hello world'],
  [['GETRANGE', 'a', '-100', '100'], 'hello world'],
  [['GETRANGE', 'a', '100', '200'], ''],
  [['GETRANGE', 'a', '3', '-100'], ''],
  [['GETRANGE', 'a', '-9223372036854775808', '9223372036854775807'], 'hello world'],
  [['GETRANGE', 'a', '9223372036854775807', '-1'], ''],
  [['GETRANGE', 'a', 'x', '1'], { error: 'ERR value is not an integer or out of range' }],
  [['GETRANGE', 'a', '1', 'x'], { error: 'ERR value is not an integer or out of range' }],
  [['GETRANGE', 'a', '1.5', '2'], { error: 'ERR value is not an integer or out of range' }],
  [['GETRANGE', 'nope', '0', '1'], ''],
  [['GETRANGE', 'nope', 'x', '1'], { error: 'ERR value is not an integer or out of range' }],
  [['GETRANGE', 'a', '0'], { error: "ERR wrong number of arguments for 'getrange' command" }],
  [['SUBSTR', 'a', '1', '3'], 'ell'],
  [['SUBSTR', 'a', '-3', '-1'], 'rld'],
  [['SUBSTR', 'a', 'x', '1'], { error: 'ERR value is not an integer or out of range' }],
  [['SETRANGE', 'a', '6', 'WORLD'], 11],
  [['GET', 'a'], 'hello WORLD'],
  [['SETRANGE', 'a', '13', '!'], 14],
  [['GET', 'a'], 'hello WORLD\u0000\u0000!'],
  [['SETRANGE', 'b', '3', 'abc'], 6],
  [['GET', 'b'], '\u0000\u0000\u0000abc'],
  [['SETRANGE', 'c', '5', ''], 0],
  [['EXISTS', 'c'], 0],
  [['SETRANGE', 'a', '0', ''], 14],
  [['SETRANGE', 'a', '-1', 'x'], { error: 'ERR offset is out of range' }],
  [['SETRANGE', 'a', 'x', 'x'], { error: 'ERR value is not an integer or out of range' }],
  [['SETRANGE', 'a', '536870912', 'x'], { error: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)' }],
  [['SETRANGE', 'a', '536870911', 'xy'], { error: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)' }],
  [['SETRANGE', 'a', '9223372036854775807', 'x'], { error: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)' }],
  [['SETRANGE', 'a', '9223372036854775808', 'x'], { error: 'ERR value is not an integer or out of range' }],
  [['SETRANGE', 'n', '536870912', 'x'], { error: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)' }],
  [['SETRANGE', 'n', '536870912', ''], 0],
  [['EXISTS', 'n'], 0],
  [['SETRANGE', 'a', '1'], { error: "ERR wrong number of arguments for 'setrange' command" }],
  [['SET', 'num', '12345'], 'OK'],
  [['GETRANGE', 'num', '1', '2'], '23'],
  [['APPEND', 'num', '6'], 6],
  [['INCR', 'num'], 123457],
  [['SETRANGE', 'num', '0', '9'], 6],
  [['INCR', 'num'], 923458],
];
const COUNTER_STEPS: Step[] = [
  [['INCR', 'a'], 1],
  [['INCR', 'a'], 2],
  [['INCRBY', 'a', '10'], 12],
  [['DECR', 'a'], 11],
  [['DECRBY', 'a', '5'], 6],
  [['INCRBY', 'a', '-20'], -14],
  [['GET', 'a'], '-14'],
  [['INCRBY', 'a', 'x'], { error: 'ERR value is not an integer or out of range' }],
  [['INCRBY', 'a', '1.5'], { error: 'ERR value is not an integer or out of range' }],
  [['INCRBY', 'a', ''], { error: 'ERR value is not an integer or out of range' }],
  [['INCRBY', 'a', ' 1'], { error: 'ERR value is not an integer or out of range' }],
  [['INCRBY', 'a', '01'], { error: 'ERR value is not an integer or out of range' }],
  [['INCRBY', 'a', '9223372036854775808'], { error: 'ERR value is not an integer or out of range' }],
  [['DECRBY', 'a', 'x'], { error: 'ERR value is not an integer or out of range' }],
  [['DECRBY', 'a', '-9223372036854775808'], { error: 'ERR decrement would overflow' }],
  [['DECRBY', 'b', '9223372036854775807'], { integer: '-9223372036854775807' }],
  [['DECR', 'b'], { integer: '-9223372036854775808' }],
  [['DECR', 'b'], { error: 'ERR increment or decrement would overflow' }],
  [['GET', 'b'], '-9223372036854775808'],
  [['SET', 'm', '9223372036854775807'], 'OK'],
  [['INCR', 'm'], { error: 'ERR increment or decrement would overflow' }],
  [['INCRBY', 'm', '-1'], { integer: '9223372036854775806' }],
  [['SET', 'm', '-9223372036854775808'], 'OK'],
  [['DECR', 'm'], { error: 'ERR increment or decrement would overflow' }],
  [['INCRBY', 'm', '9223372036854775807'], -1],
  [['SET', 's', 'abc'], 'OK'],
  [['INCR', 's'], { error: 'ERR value is not an integer or out of range' }],
  [['SET', 's', ' 1'], 'OK'],
  [['INCR', 's'], { error: 'ERR value is not an integer or out of range' }],
  [['SET', 's', '1 '], 'OK'],
  [['DECR', 's'], { error: 'ERR value is not an integer or out of range' }],
  [['SET', 's', '+1'], 'OK'],
  [['INCR', 's'], { error: 'ERR value is not an integer or out of range' }],
  [['SET', 's', '-0'], 'OK'],
  [['INCR', 's'], { error: 'ERR value is not an integer or out of range' }],
  [['SET', 's', '007'], 'OK'],
  [['INCR', 's'], { error: 'ERR value is not an integer or out of range' }],
  [['SET', 's', '9223372036854775808'], 'OK'],
  [['INCR', 's'], { error: 'ERR value is not an integer or out of range' }],
  [['SET', 's', '1.0'], 'OK'],
  [['INCR', 's'], { error: 'ERR value is not an integer or out of range' }],
  [['INCRBY', 'big', '9007199254740993'], { integer: '9007199254740993' }],
  [['INCR', 'big'], 9007199254740994],
  [['GET', 'big'], '9007199254740994'],
  [['INCRBY', 'big', '-18014398509481990'], -9007199254740996],
  [['INCR'], { error: "ERR wrong number of arguments for 'incr' command" }],
  [['INCR', 'a', 'b'], { error: "ERR wrong number of arguments for 'incr' command" }],
  [['INCRBY', 'a'], { error: "ERR wrong number of arguments for 'incrby' command" }],
  [['DECR'], { error: "ERR wrong number of arguments for 'decr' command" }],
  [['DECRBY', 'a'], { error: "ERR wrong number of arguments for 'decrby' command" }],
];
const FLOAT_STEPS: Step[] = [
  [['INCRBYFLOAT', 'f', '10.5'], '10.5'],
  [['INCRBYFLOAT', 'f', '0.1'], '10.6'],
  [['INCRBYFLOAT', 'f', '-5.0e3'], '-4989.39999999999999991'],
  [['INCRBYFLOAT', 'f', '3.0e3'], '-1989.39999999999999991'],
  [['GET', 'f'], '-1989.39999999999999991'],
  [['INCRBYFLOAT', 'g', '0.1'], '0.1'],
  [['INCRBYFLOAT', 'g', '0.2'], '0.3'],
  [['INCRBYFLOAT', 'h', '1e20'], '100000000000000000000'],
  [['INCRBYFLOAT', 'h', '1e-20'], '100000000000000000000'],
  [['INCRBYFLOAT', 'i', '-0'], '0'],
  [['INCRBYFLOAT', 'i', '-0.0'], '0'],
  [['INCRBYFLOAT', 'j', '5.0e3'], '5000'],
  [['INCRBYFLOAT', 'j', '-5000'], '0'],
  [['INCRBYFLOAT', 'k', '0x1p-2'], '0.25'],
  [['INCRBYFLOAT', 'k', '5.'], '5.25'],
  [['INCRBYFLOAT', 'k', '.5'], '5.75'],
  [['INCRBYFLOAT', 'k', '1E3'], '1005.75'],
  [['INCRBYFLOAT', 'l', '123456789.123456789123456789'], '123456789.12345678912242875'],
  [['INCRBYFLOAT', 'l', '-123456789'], '0.12345678912242875'],
  [['INCRBYFLOAT', 'm', '-1e-18'], '0'],
  [['INCRBYFLOAT', 'm', '0.000003814697265625'], '0.00000381469726562'],
  [['INCRBYFLOAT', 'm2', '0.000011444091796875'], '0.00001144409179688'],
  [['INCRBYFLOAT', 'n', '123456789012345678901234567890'], '123456789012345678899921813504'],
  [['INCRBYFLOAT', 'o', '3.4e-4950'], '0'],
  [['INCRBYFLOAT', 'p', '1e308'], '99999999999999999996685879655845645660560099847415567207797047994921734868838061872100126921888539320446747225054013223152134749593960583597420814430196418767959100019603190778663109604507106667939153395788938914560543563061268364901618630217086589253444881623791300855757318142424510452728255046343928578048'],
  [['INCRBYFLOAT', 'p', '1e308'], '199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096'],
  [['STRLEN', 'p'], 309],
  [['INCRBYFLOAT', 'f', 'abc'], { error: 'ERR value is not a valid float' }],
  [['INCRBYFLOAT', 'f', ''], { error: 'ERR value is not a valid float' }],
  [['INCRBYFLOAT', 'f', ' 1'], { error: 'ERR value is not a valid float' }],
  [['INCRBYFLOAT', 'f', '1 '], { error: 'ERR value is not a valid float' }],
  [['INCRBYFLOAT', 'f', '1e'], { error: 'ERR value is not a valid float' }],
  [['INCRBYFLOAT', 'f', '0x'], { error: 'ERR value is not a valid float' }],
  [['INCRBYFLOAT', 'f', 'nan'], { error: 'ERR value is not a valid float' }],
  [['INCRBYFLOAT', 'f', '1e5000'], { error: 'ERR value is not a valid float' }],
  [['INCRBYFLOAT', 'f', '1e-5000'], { error: 'ERR value is not a valid float' }],
  [['INCRBYFLOAT', 'f', 'inf'], { error: 'ERR increment would produce NaN or Infinity' }],
  [['INCRBYFLOAT', 'f', '-infinity'], { error: 'ERR increment would produce NaN or Infinity' }],
  [['SET', 's', 'inf'], 'OK'],
  [['INCRBYFLOAT', 's', '1'], { error: 'ERR increment would produce NaN or Infinity' }],
  [['SET', 's', 'x'], 'OK'],
  [['INCRBYFLOAT', 's', '1'], { error: 'ERR value is not a valid float' }],
  [['INCRBYFLOAT', 's', 'y'], { error: 'ERR value is not a valid float' }],
  [['SET', 's', ' 5'], 'OK'],
  [['INCRBYFLOAT', 's', '1'], { error: 'ERR value is not a valid float' }],
  [['SET', 's', '7'], 'OK'],
  [['INCRBYFLOAT', 's', '1.5'], '8.5'],
  [['INCRBY', 's', '1'], { error: 'ERR value is not an integer or out of range' }],
  [['INCRBYFLOAT'], { error: "ERR wrong number of arguments for 'incrbyfloat' command" }],
  [['INCRBYFLOAT', 's'], { error: "ERR wrong number of arguments for 'incrbyfloat' command" }],
];
const LCS_STEPS: Step[] = [
  [['MSET', 'a', 'ohmytext', 'b', 'mynewtext'], 'OK'],
  [['LCS', 'a', 'b'], 'mytext'],
  [['LCS', 'a', 'b', 'LEN'], 6],
  [['LCS', 'a', 'b', 'IDX'], ['matches', [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], 'len', 6]],
  [['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4'], ['matches', [[[4, 7], [5, 8]]], 'len', 6]],
  [['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'], ['matches', [[[4, 7], [5, 8], 4]], 'len', 6]],
  [['LCS', 'a', 'b', 'idx', 'withmatchlen'], ['matches', [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]], 'len', 6]],
  [['LCS', 'b', 'a', 'IDX'], ['matches', [[[5, 8], [4, 7]], [[0, 1], [2, 3]]], 'len', 6]],
  [['LCS', 'a', 'b', 'LEN', 'IDX'], { error: 'ERR If you want both the length and indexes, please just use IDX.' }],
  [['LCS', 'a', 'b', 'MINMATCHLEN'], { error: 'ERR syntax error' }],
  [['LCS', 'a', 'b', 'MINMATCHLEN', 'x'], { error: 'ERR value is not an integer or out of range' }],
  [['LCS', 'a', 'b', 'MINMATCHLEN', '-5', 'IDX'], ['matches', [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], 'len', 6]],
  [['LCS', 'a', 'b', 'BADOPT'], { error: 'ERR syntax error' }],
  [['LCS', 'a', 'b', 'LEN', 'LEN'], 6],
  [['LCS', 'a', 'b', 'MINMATCHLEN', '1', 'MINMATCHLEN', '5', 'IDX'], ['matches', [], 'len', 6]],
  [['LCS', 'a', 'b', 'MINMATCHLEN', '99999999999999999999'], { error: 'ERR value is not an integer or out of range' }],
  [['LCS', 'a', 'nope'], ''],
  [['LCS', 'nope', 'nope2', 'IDX'], ['matches', [], 'len', 0]],
  [['LCS', 'nope', 'nope2', 'LEN'], 0],
  [['LCS', 'a', 'a', 'IDX', 'WITHMATCHLEN'], ['matches', [[[0, 7], [0, 7], 8]], 'len', 8]],
  [['MSET', 'c', 'ABCBDAB', 'd', 'BDCABA'], 'OK'],
  [['LCS', 'c', 'd'], 'BDAB'],
  [['LCS', 'c', 'd', 'IDX', 'WITHMATCHLEN'], ['matches', [[[5, 6], [3, 4], 2], [[3, 4], [0, 1], 2]], 'len', 4]],
  [['LCS', 'd', 'c', 'IDX'], ['matches', [[[5, 5], [5, 5]], [[4, 4], [3, 3]], [[2, 2], [2, 2]], [[0, 0], [1, 1]]], 'len', 4]],
  [['LCS', 'a'], { error: "ERR wrong number of arguments for 'lcs' command" }],
  [['LCS'], { error: "ERR wrong number of arguments for 'lcs' command" }],
];

// With two shards keys a, d, e land on shard 1 and b, c on shard 0; with three,
// b is on shard 0, c on shard 1, a on shard 2: every table mixes them.
for (const shards of [1, 2, 3]) {
  describe(`strings --shards ${shards}`, () => {
    const server = useServer({ shards });
    const client = useClient(server);
    const exact = useClient(server, { stringNumbers: true });
    flushBeforeEach(client);

    it('GET and SET with every option combination and error', async () => {
      await runSteps(client, exact, SET_STEPS);
    });

    it('SETNX, SETEX, PSETEX, GETSET, GETDEL', async () => {
      await runSteps(client, exact, VARIANT_STEPS);
    });

    it('GETEX', async () => {
      await runSteps(client, exact, GETEX_STEPS);
    });

    it('MGET, MSET, MSETNX across shards', async () => {
      await runSteps(client, exact, MULTI_STEPS);
    });

    it('APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE', async () => {
      await runSteps(client, exact, RANGE_STEPS);
    });

    it('INCR, INCRBY, DECR, DECRBY', async () => {
      await runSteps(client, exact, COUNTER_STEPS);
    });

    it('INCRBYFLOAT with long double arithmetic and formatting', async () => {
      await runSteps(client, exact, FLOAT_STEPS);
    });

    it('INCRBYFLOAT near the long double limit', async () => {
      const big = await client.incrbyfloat('q', '1.18e4932');
      expect(big.length).toBe(4933);
      expect(big.startsWith('118000000000000000000065281291809369920269043714016047172983')).toBe(true);
      await expect(client.incrbyfloat('q', '1.18e4932')).rejects.toThrow('ERR increment would produce NaN or Infinity');
      expect(await client.incrbyfloat('q', '-1.18e4932')).toBe('0');
    });

    it('LCS, with keys on different shards', async () => {
      await runSteps(client, exact, LCS_STEPS);
    });

    it('LCS refuses a table larger than proto-max-bulk-len', async () => {
      await client.mset('a', 'x'.repeat(12000), 'b', 'y'.repeat(12000));
      await expect(client.call('LCS', 'a', 'b')).rejects.toThrow('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
      await client.mset('a', 'ab'.repeat(1000), 'b', 'ba'.repeat(1000));
      expect(await client.call('LCS', 'a', 'b', 'LEN')).toBe(1999);
    });

    it('TTLs: which commands set, keep or clear them', async () => {
      expect(await client.set('k', 'v', 'EX', 100)).toBe('OK');
      expect(await client.ttl('k')).toBe(100);
      expect(await client.call('SET', 'k', 'w', 'KEEPTTL')).toBe('OK');
      expect(await client.ttl('k')).toBe(100);
      expect(await client.append('k', 'x')).toBe(2);
      expect(await client.setrange('k', 0, 'y')).toBe(2);
      expect(await client.ttl('k')).toBe(100);
      expect(await client.set('k', 'v')).toBe('OK');
      expect(await client.ttl('k')).toBe(-1);
      expect(await client.set('k', '5', 'PX', 100000)).toBe('OK');
      const pttl = await client.pttl('k');
      expect(pttl).toBeGreaterThan(99000);
      expect(pttl).toBeLessThanOrEqual(100000);
      expect(await client.incr('k')).toBe(6);
      expect(await client.incrbyfloat('k', '0.5')).toBe('6.5');
      expect(await client.ttl('k')).toBe(100);
      expect(await client.getset('k', 'new')).toBe('6.5');
      expect(await client.ttl('k')).toBe(-1);
      const inAMinute = Math.floor(Date.now() / 1000) + 60;
      expect(await client.call('SET', 'k', 'v', 'EXAT', String(inAMinute))).toBe('OK');
      expect(await client.ttl('k')).toBeGreaterThanOrEqual(59);
      expect(await client.call('SET', 'k', 'v', 'PXAT', String(Date.now() - 1000))).toBe('OK');
      expect(await client.get('k')).toBeNull();
      expect(await client.setex('k', 100, 'v')).toBe('OK');
      expect(await client.ttl('k')).toBe(100);
      expect(await client.mset('k', 'm')).toBe('OK');
      expect(await client.ttl('k')).toBe(-1);
      expect(await client.psetex('k', 100000, 'v')).toBe('OK');
      expect(await client.ttl('k')).toBe(100);
      expect(await client.call('GETEX', 'k', 'PERSIST')).toBe('v');
      expect(await client.ttl('k')).toBe(-1);
      expect(await client.call('GETEX', 'k', 'EX', '200')).toBe('v');
      expect(await client.ttl('k')).toBe(200);
      expect(await client.call('GETEX', 'k', 'PX', '300000')).toBe('v');
      expect(await client.ttl('k')).toBe(300);
      expect(await client.call('GETEX', 'k', 'EXAT', String(inAMinute))).toBe('v');
      expect(await client.ttl('k')).toBeGreaterThanOrEqual(59);
      expect(await client.call('GETEX', 'k')).toBe('v');
      expect(await client.ttl('k')).toBeGreaterThanOrEqual(59);
      expect(await client.call('GETEX', 'k', 'PXAT', String(Date.now() - 1))).toBe('v');
      expect(await client.exists('k')).toBe(0);
      expect(await client.set('k', 'v', 'PX', 50)).toBe('OK');
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(await client.get('k')).toBeNull();
    });

    it('replies byte for byte in RESP2 and RESP3', async () => {
      const resp2 = await exchange(server.port, [
        respCommands(
          ['MSET', 'a', 'ohmytext', 'b', 'mynewtext'],
          ['LCS', 'a', 'b', 'IDX'],
          ['GET', 'nope'],
          ['MGET', 'a', 'nope'],
          ['INCRBYFLOAT', 'f', '10.5'],
          ['GETRANGE', 'nope', '0', '1'],
          ['SETNX', 'a', 'x'],
          ['SET', 'z', 'v', 'XX'],
        ),
      ]);
      expect(resp2.reply).toBe(
        '+OK\r\n' +
          '*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n' +
          '$-1\r\n' +
          '*2\r\n$8\r\nohmytext\r\n$-1\r\n' +
          '$4\r\n10.5\r\n' +
          '$0\r\n\r\n' +
          ':0\r\n' +
          '$-1\r\n',
      );
      const resp3 = await exchange(server.port, [
        respCommands(
          ['HELLO', '3'],
          ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'],
          ['GET', 'nope'],
          ['MGET', 'a', 'nope'],
          ['GETEX', 'nope'],
          ['SET', 'a', 'v', 'NX', 'GET'],
          ['SET', 'z', 'v', 'XX'],
          ['LCS', 'a', 'b', 'LEN'],
        ),
      ]);
      expect(afterHello3(resp3.reply)).toBe(
        '%2\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n' +
          '_\r\n' +
          '*2\r\n$8\r\nohmytext\r\n_\r\n' +
          '_\r\n' +
          '$8\r\nohmytext\r\n' +
          '_\r\n' +
          ':6\r\n',
      );
    });

    it('answers node-redis over RESP3', async () => {
      const resp3 = await connectResp3(server);
      try {
        expect(await resp3.set('a', 'ohmytext')).toBe('OK');
        expect(await resp3.get('a')).toBe('ohmytext');
        expect(await resp3.get('nope')).toBeNull();
        expect(await resp3.mSet({ b: 'mynewtext', c: '1' })).toBe('OK');
        expect(await resp3.mGet(['a', 'nope', 'b'])).toEqual(['ohmytext', null, 'mynewtext']);
        expect(await resp3.incrByFloat('c', 0.1)).toBe('1.1');
        expect(await resp3.incr('c2')).toBe(1);
        expect(await resp3.setNX('c2', 'x')).toBe(0);
        expect(await resp3.getEx('a', { type: 'EX', value: 100 })).toBe('ohmytext');
        expect(await resp3.ttl('a')).toBe(100);
        expect(await resp3.sendCommand(['LCS', 'a', 'b'])).toBe('mytext');
        expect(await resp3.sendCommand(['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4'])).toEqual({ matches: [[[4, 7], [5, 8]]], len: 6 });
      } finally {
        resp3.destroy();
      }
    });

    it('answers redis-cli', async () => {
      expect((await server.cli('set', 'a', 'hello')).trim()).toBe('OK');
      expect((await server.cli('append', 'a', ' world')).trim()).toBe('11');
      expect((await server.cli('getrange', 'a', '0', '4')).trim()).toBe('hello');
      expect((await server.cli('mset', 'b', '1', 'c', '2')).trim()).toBe('OK');
      expect(await server.cli('mget', 'a', 'b', 'c', 'nope')).toBe('hello world\n1\n2\n\n');
      expect((await server.cli('incrbyfloat', 'b', '0.25')).trim()).toBe('1.25');
    });

    it('WRONGTYPE on keys of another type', async (context) => {
      try {
        await client.rpush('l', 'x');
      } catch {
        context.skip(); // no list type in this build yet
      }
      const steps: Step[] = [
        [['GET', 'l'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
        [['SET', 'l', 'v', 'GET'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
        [['SET', 'l', 'v', 'EX', '0', 'GET'], { error: "ERR invalid expire time in 'set' command" }],
        [['SET', 'l', 'v', 'NX', 'GET'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
        [['SETRANGE', 'l', '0', ''], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
        [['SETRANGE', 'l', '-1', 'x'], { error: 'ERR offset is out of range' }],
        [['APPEND', 'l', 'x'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
        [['STRLEN', 'l'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
        [['GETRANGE', 'l', '0', '1'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
        [['INCR', 'l'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
        [['INCRBYFLOAT', 'l', 'x'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
        [['GETSET', 'l', 'x'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
        [['GETDEL', 'l'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
        [['GETEX', 'l', 'EX', '0'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
        [['MGET', 'l', 'a'], [null, null]],
        [['LCS', 'l', 'a'], { error: 'ERR The specified keys must contain string values' }],
        [['LCS', 'b', 'l', 'BADOPT'], { error: 'ERR The specified keys must contain string values' }],
        [['MSETNX', 'l', 'x', 'b', 'y'], 0],
        [['SETNX', 'l', 'x'], 0],
        [['SET', 'l', 'v', 'XX'], 'OK'],
        [['GET', 'l'], 'v'],
      ];
      await runSteps(client, exact, steps);
    });
  });
}

describe('concurrent counters --shards 2', () => {
  const server = useServer({ shards: 2 });

  it('50 clients each doing 1,000 INCR of one key end at 50,000', async () => {
    const clients = Array.from({ length: 50 }, () => ioredis(server));
    try {
      const seen = await Promise.all(
        clients.map(async (client) => {
          const replies: number[] = [];
          for (let batch = 0; batch < 10; batch++) {
            replies.push(...(await Promise.all(Array.from({ length: 100 }, () => client.incr('counter')))));
          }
          return replies;
        }),
      );
      expect(await clients[0].get('counter')).toBe('50000');
      for (const replies of seen) for (let i = 1; i < replies.length; i++) expect(replies[i]).toBeGreaterThan(replies[i - 1]);
      const all = new Set(seen.flat());
      expect(all.size).toBe(50000);
      expect(Math.min(...all)).toBe(1);
      expect(Math.max(...all)).toBe(50000);
    } finally {
      for (const client of clients) client.disconnect();
    }
  }, 60000);

  it('concurrent INCRBYFLOAT and APPEND from many clients lose no update', async () => {
    const clients = Array.from({ length: 20 }, () => ioredis(server));
    try {
      await Promise.all(
        clients.map(async (client) => {
          for (let i = 0; i < 50; i++) await Promise.all([client.incrbyfloat('float', '0.5'), client.append('log', 'x')]);
        }),
      );
      expect(await clients[0].get('float')).toBe('500');
      expect(await clients[0].strlen('log')).toBe(1000);
    } finally {
      for (const client of clients) client.disconnect();
    }
  }, 60000);
});

describe('number formatting as glibc printf', () => {
  it('formatDouble is "%.17g", ties to even', () => {
    const cases: [number, string][] = [
      [3003192792990.78125, '3003192792990.7812'],
      [-34720295484207.5625, '-34720295484207.562'],
      [892135260950481.125, '892135260950481.12'],
      [0.5, '0.5'],
      [0.1, '0.10000000000000001'],
      [1e21, '1e+21'],
      [1e16, '10000000000000000'],
      [123456789012345678, '1.2345678901234568e+17'],
      [5e-324, '4.9406564584124654e-324'],
      [-0.0001, '-0.0001'],
      [1e-5, '1.0000000000000001e-05'],
      [2.5e-7, '2.4999999999999999e-07'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [-0, '-0'],
      [Infinity, 'inf'],
      [-Infinity, '-inf'],
    ];
    for (const [value, text] of cases) expect(formatDouble(value), String(value)).toBe(text);
  });
});
