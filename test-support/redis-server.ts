import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, connect } from "node:net";
import { until } from "./until.ts";

/** A redis-server of the test's own, on its own port, that the test may kill and restart. */
export interface RedisServer {
  port: number;
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers, as in a stalled server or a network black hole. */
  pause(): void;
  /** SIGCONT: the server goes on with what it was sent meanwhile. */
  resume(): void;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.setTimeout(200);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        { stdio: "ignore" },
      );
      await until(`redis-server on port ${port} to answer`, () => answersPing(port), 5_000, 50);
    },
    pause() {
      if (!child?.kill("SIGSTOP")) throw new Error("redis-server is not running");
    },
    resume() {
      if (!child?.kill("SIGCONT")) throw new Error("redis-server is not running");
    },
    async stop() {
      const running = child;
      // A paused server would not die of SIGKILL before it is continued on some systems.
      running?.kill("SIGCONT");
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = once(running, "exit");
      running.kill("SIGKILL");
      await exited;
    },
  };
  await server.start();
  return server;
}
