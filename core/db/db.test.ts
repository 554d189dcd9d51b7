import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { afterCommit, closeDb, db, MAX_ATTEMPTS, transaction, useTransaction, type Executor } from "./index.ts";

afterAll(() => closeDb());

async function freshCounter(): Promise<string> {
  const name = `counter_${Math.random().toString(36).slice(2, 10)}`;
  await sql`CREATE TABLE ${sql.table(name)} (id int PRIMARY KEY, n int NOT NULL)`.execute(db());
  await sql`INSERT INTO ${sql.table(name)} VALUES (1, 0)`.execute(db());
  return name;
}

async function counterValue(table: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT n FROM ${sql.table(table)}`.execute(db());
  return rows[0]!.n;
}

describe("the run's database", () => {
  it("runs on REPEATABLE READ, YugabyteDB's default, for every transaction that does not choose", async () => {
    const { rows } = await sql<{ default_transaction_isolation: string }>`SHOW default_transaction_isolation`.execute(
      db(),
    );
    expect(rows[0]!.default_transaction_isolation).toBe("repeatable read");
    const inside = await transaction((tx) =>
      sql<{ transaction_isolation: string }>`SHOW transaction_isolation`.execute(tx),
    );
    expect(inside.rows[0]!.transaction_isolation).toBe("repeatable read");
  });
});

describe("transaction", () => {
  it("runs after-commit effects only once the commit succeeded", async () => {
    const ran: string[] = [];
    await transaction(async () => {
      await afterCommit(() => ran.push("committed"));
      expect(ran).toEqual([]);
    });
    expect(ran).toEqual(["committed"]);

    await expect(
      transaction(async () => {
        await afterCommit(() => ran.push("rolled back"));
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(ran).toEqual(["committed"]);
  });

  it("joins the caller's transaction, so a rollback undoes the inner work too", async () => {
    const table = await freshCounter();
    await expect(
      transaction(async () => {
        await transaction((tx) => sql`UPDATE ${sql.table(table)} SET n = 5`.execute(tx));
        await useTransaction((tx) => sql`UPDATE ${sql.table(table)} SET n = n + 1`.execute(tx));
        throw new Error("undo");
      }),
    ).rejects.toThrow("undo");
    expect(await counterValue(table)).toBe(0);
  });

  it("keeps a transaction's context when another one beside it ends first", async () => {
    const table = await freshCounter();
    let firstEnded!: () => void;
    const ended = new Promise<void>((resolve) => (firstEnded = resolve));
    const second = transaction(async () => {
      await ended;
      // Runs on this transaction's connection only if its context survived the other's end.
      await useTransaction((tx) => sql`UPDATE ${sql.table(table)} SET n = 7`.execute(tx));
      throw new Error("undo");
    });
    await transaction(async () => undefined);
    firstEnded();
    await expect(second).rejects.toThrow("undo");
    expect(await counterValue(table)).toBe(0);
  });

  it("retries a serialization failure, so both concurrent increments land", async () => {
    const table = await freshCounter();
    let attempts = 0;
    let arrived = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    const increment = () =>
      transaction(
        async (tx) => {
          attempts++;
          const { rows } = await sql<{ n: number }>`SELECT n FROM ${sql.table(table)} WHERE id = 1`.execute(tx);
          // First attempts wait until both have read the same value: one of them must then fail with 40001.
          if (++arrived <= 2) {
            if (arrived === 2) release();
            await bothRead;
          }
          await sql`UPDATE ${sql.table(table)} SET n = ${rows[0]!.n + 1} WHERE id = 1`.execute(tx);
        },
        { isolation: "serializable" },
      );
    await Promise.all([increment(), increment()]);
    expect(await counterValue(table)).toBe(2);
    expect(attempts).toBe(3);
  });

  it("does not retry other errors", async () => {
    let attempts = 0;
    await expect(
      transaction(async (tx) => {
        attempts++;
        await sql`SELECT 1/0`.execute(tx);
      }),
    ).rejects.toThrow(/division by zero/);
    expect(attempts).toBe(1);
  });
});

/** What YSQL answers during a leader move or a restart, raised by the server itself. */
function failWith(executor: Executor, code: "40001" | "XX000", message: string) {
  return sql`DO $$ BEGIN RAISE EXCEPTION '${sql.raw(message)}' USING ERRCODE = '${sql.raw(code)}'; END $$`.execute(
    executor,
  );
}

describe("YugabyteDB's transient errors", () => {
  it("runs a transaction again after a restart-read 40001 and a leader-move XX000", async () => {
    const table = await freshCounter();
    let attempts = 0;
    await transaction(async (tx) => {
      attempts++;
      await sql`UPDATE ${sql.table(table)} SET n = n + 1`.execute(tx);
      if (attempts === 1) await failWith(tx, "40001", "Restart read required");
      if (attempts === 2) await failWith(tx, "XX000", "Leader not ready to serve requests");
    });
    // The failed attempts rolled back: one increment, not three.
    expect(await counterValue(table)).toBe(1);
    expect(attempts).toBe(3);
  });

  it("runs a single statement outside a transaction again", async () => {
    const table = await freshCounter();
    let attempts = 0;
    await useTransaction(async (executor) => {
      attempts++;
      if (attempts < 3) await failWith(executor, attempts === 1 ? "XX000" : "40001", "Restart read required");
      await sql`UPDATE ${sql.table(table)} SET n = n + 1`.execute(executor);
    });
    expect(await counterValue(table)).toBe(1);
    expect(attempts).toBe(3);
  });

  it("inside a transaction leaves the retry to the transaction, which runs whole again", async () => {
    const table = await freshCounter();
    let outer = 0;
    let inner = 0;
    await transaction(async (tx) => {
      outer++;
      await sql`UPDATE ${sql.table(table)} SET n = n + 1`.execute(tx);
      await useTransaction(async (executor) => {
        inner++;
        if (outer === 1) await failWith(executor, "XX000", "Leader not ready to serve requests");
      });
    });
    expect(await counterValue(table)).toBe(1);
    expect([outer, inner]).toEqual([2, 2]);
  });

  it("gives up after a bounded number of attempts and passes the error on", async () => {
    let attempts = 0;
    await expect(
      useTransaction(async (executor) => {
        attempts++;
        await failWith(executor, "XX000", "Timed out waiting for a leader");
      }),
    ).rejects.toMatchObject({ code: "XX000" });
    expect(attempts).toBe(MAX_ATTEMPTS);
  });
});
