import type { IncomingMessage } from "node:http";
import { cliError, type CliError } from "./errors.ts";
import { parseErrorBody } from "./protocol.ts";

/**
 * Turn an answer that is not the expected success into an error that says what to do: a drain error body means
 * the server refused (`ERR_DRAIN_CLI_REFUSED`, nothing started); anything else means this is not a drain control
 * endpoint (`ERR_DRAIN_CLI_PROTOCOL`).
 */
export function refusal(response: IncomingMessage, body: string, where: string, sentToken: boolean): CliError {
  const status = response.statusCode ?? 0;
  const error = parseErrorBody(body);
  if (error === undefined) {
    return cliError(
      "ERR_DRAIN_CLI_PROTOCOL",
      `${where} answered ${status} ${response.statusMessage ?? ""} without a drain error body: is it a drain control endpoint?`,
    );
  }
  const said = `${error.message} (${error.code})`;
  switch (status) {
    case 401:
      return cliError(
        "ERR_DRAIN_CLI_REFUSED",
        sentToken
          ? `the control endpoint did not accept the token: check --token or DRAIN_CONTROL_TOKEN against the server's control token. Server said: ${said}`
          : `the control endpoint needs a token: pass --token or set DRAIN_CONTROL_TOKEN. Server said: ${said}`,
      );
    case 429: {
      const retry = response.headers["retry-after"];
      // Reached only when waiting as asked would pass drain's own deadline (sendRetrying retries the others).
      return cliError(
        "ERR_DRAIN_CLI_REFUSED",
        `the control endpoint is rate limiting requests and asks to retry in ${retry ?? "?"} s, past drain's own deadline: try again then. Server said: ${said}`,
      );
    }
    case 403:
      return cliError("ERR_DRAIN_CLI_REFUSED", `the control endpoint refused this peer: run drain on the same host, over the Unix socket or loopback. Server said: ${said}`);
    default:
      return cliError("ERR_DRAIN_CLI_REFUSED", `the control endpoint refused the request (${status}): ${said}`);
  }
}
