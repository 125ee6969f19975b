import "reflect-metadata";
import { loadConfig } from "./src/config";
import { prepareDatabase } from "./src/db/data-source";
import { createLogger } from "./src/logger";

/** The TypeORM CLI's DataSource, built from the service's own configuration (see package.json). */
const config = loadConfig();
export const dataSource = prepareDatabase(config, createLogger(config)).then((db) => db.writer);
