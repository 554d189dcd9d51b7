import { describeRaces } from "../test-support/races.ts";

// Every check-then-write raced over HTTP on REPEATABLE READ, the isolation YugabyteDB runs by default.
describeRaces("repeatable read");
