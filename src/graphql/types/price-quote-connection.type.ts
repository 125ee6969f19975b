import { ObjectType } from "type-graphql";
import { Connection } from "./connection.type";
import { PriceQuote } from "./price-quote.type";

@ObjectType("PriceQuoteConnection", { simpleResolvers: true })
export class PriceQuoteConnection extends Connection("PriceQuote", PriceQuote) {}
