// Number literals in a document that the Rust query planner cannot carry to a subgraph as written.
// The planner reads an Int literal as a 64-bit integer and a Float literal as a double, and prints
// them again into the subgraph's document:
//   quantity: 12345678901234567890       a parse failure there, an HTTP 500 here
//   amount: 1E+1000100                   sent as `inf`, which no GraphQL server reads
//   amount: 1E-1000100                   sent as `0`
//   amount: 0.10000000000000000000001    sent as `0.1`
// A variable's default value goes through a JavaScript number the same way. So, refused at
// validation (GRAPHQL_VALIDATION_FAILED, HTTP 400 as any invalid document), before planning:
// - anywhere, an Int literal outside the 64-bit range and a Float literal beyond a double's range;
// - at a Decimal position, a Float literal (or a number in a variable's default value) whose double
//   is not exactly the number written: a Decimal is a string such as "12.50". `quantity: 10`,
//   `quantity: 9223372036854775807` or `amount: 0.1` reach the subgraph with their value and still run.
import { GraphQLError, getNamedType } from 'graphql';
import type { ASTNode, ValidationRule } from 'graphql';

import type { GatewayPlugin } from '@graphql-hive/gateway';

import { DECIMAL_SCALAR } from './variable-values.js';

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** A decimal number's value as sign, digits without leading or trailing zeros, and exponent. */
function decimalValue(text: string): string | undefined {
  const match = /^(-?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  let digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return '0';
  let exponent = Number(exponentText) - fraction.length;
  const trailing = /0*$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return Number.isSafeInteger(exponent) ? `${sign}${digits}e${exponent}` : undefined;
}

/** The double nearest `text`, printed (shortest round trip, as the planner prints it), is `text`. */
function exactAsDouble(text: string): boolean {
  const double = Number(text);
  if (!Number.isFinite(double)) return false;
  const written = decimalValue(text);
  return written !== undefined && written === decimalValue(String(double));
}

function shown(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

const numberLiterals: ValidationRule = (context) => {
  // A variable's default value becomes a JavaScript number (the runtime coerces it), not a literal.
  let inDefaultValue = false;

  /** A literal at a Decimal position: refused unless it reaches the subgraph with its value. */
  function checkDecimal(text: string, node: ASTNode, asDouble: boolean): void {
    const type = context.getInputType();
    if (type === null || type === undefined || getNamedType(type).name !== DECIMAL_SCALAR) return;
    if (!asDouble || exactAsDouble(text)) return;
    context.reportError(
      new GraphQLError(
        `The Decimal ${shown(text)} cannot be carried as a number literal without changing its value: ` +
          'write a Decimal as a string such as "12.50".',
        { nodes: node },
      ),
    );
  }
  return {
    VariableDefinition: {
      enter() {
        inDefaultValue = true;
      },
      leave() {
        inDefaultValue = false;
      },
    },
    IntValue(node) {
      const value = BigInt(node.value);
      if (value < I64_MIN || value > I64_MAX) {
        context.reportError(
          new GraphQLError(
            `The integer ${shown(node.value)} is out of range: an integer literal is at most 64 bits; ` +
              'write a larger number as a string.',
            { nodes: node },
          ),
        );
        return;
      }
      // The planner carries a 64-bit integer as written.
      checkDecimal(node.value, node, inDefaultValue);
    },
    FloatValue(node) {
      if (!Number.isFinite(Number(node.value))) {
        context.reportError(
          new GraphQLError(
            `The number ${shown(node.value)} is beyond the range of a double: write it as a string.`,
            { nodes: node },
          ),
        );
        return;
      }
      checkDecimal(node.value, node, true);
    },
  };
};

/** Registered with the other validation rules: the document is refused before any planning. */
export function useNumberLiterals(): GatewayPlugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(numberLiterals);
    },
  };
}
