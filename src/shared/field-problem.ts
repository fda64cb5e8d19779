/** One reason a request is refused: a JSON pointer into the request body (e.g. `/billingAddress/country`) and why. */
export interface FieldProblem {
  pointer: string;
  detail: string;
}
