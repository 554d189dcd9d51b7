import { describeRaces } from "../test-support/races.ts";

// The same races once more on READ COMMITTED: PostgreSQL's default, and YSQL's when a cluster turns
// on yb_enable_read_committed_isolation. A lock that only works on one of the two fails here or there.
describeRaces("read committed");
