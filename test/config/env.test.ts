import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { ENV_VARIABLE_NAMES, EnvConfigError, loadEnvConfig } from "../../src/config/env.js";

// Built at run time so no committed line looks like a real private key.
const PEM_LABEL = ["RSA", "PRIVATE", "KEY"].join(" ");
const PEM = `-----BEGIN ${PEM_LABEL}-----\nMIIEplaceholder\n-----END ${PEM_LABEL}-----\n`;

function problemsOf(env: NodeJS.ProcessEnv): Record<string, string> {
  try {
    loadEnvConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvConfigError);
    return Object.fromEntries((error as EnvConfigError).problems.map((p) => [p.name, p.problem]));
  }
  throw new Error("expected loadEnvConfig to throw");
}

describe("loadEnvConfig", () => {
  it("applies Moose defaults and leaves Probot's own defaults to Probot", () => {
    const config = loadEnvConfig({});
    expect(config).toEqual({
      appId: undefined,
      privateKey: undefined,
      privateKeyPath: undefined,
      webhookSecret: undefined,
      webhookProxyUrl: undefined,
      webhookPath: undefined,
      port: undefined,
      host: undefined,
      logLevel: undefined,
      logFormat: undefined,
      nodeEnv: undefined,
      gheHost: undefined,
      databaseUrl: undefined,
      supabaseUrl: undefined,
      supabaseServiceRoleKey: undefined,
      dataDir: ".moose",
      anthropicApiKey: undefined,
      openaiApiKey: undefined,
      openaiBaseUrl: undefined,
      modelsFile: undefined,
      budgetSoftUsd: 20,
      budgetHardUsd: 50,
      budgetEmergencyUsd: 100,
      maxConcurrency: 3,
      sweepIntervalMs: 10000,
      leaseMs: 60000,
      reconcileIntervalMs: 300000,
      workerId: undefined,
    });
  });

  it("treats blank values as unset", () => {
    const config = loadEnvConfig({ PORT: "", MOOSE_BUDGET_SOFT_USD: "  ", DATABASE_URL: "" });
    expect(config.port).toBeUndefined();
    expect(config.budgetSoftUsd).toBe(20);
    expect(config.databaseUrl).toBeUndefined();
  });

  it("reads a complete, valid environment into camelCase groups", () => {
    const config = loadEnvConfig({
      APP_ID: "12345",
      PRIVATE_KEY: PEM,
      PRIVATE_KEY_PATH: "./app.pem",
      WEBHOOK_SECRET: "s3cret",
      WEBHOOK_PROXY_URL: "https://smee.io/abc",
      WEBHOOK_PATH: "/api/github/webhooks",
      PORT: "8080",
      HOST: "0.0.0.0",
      LOG_LEVEL: "debug",
      LOG_FORMAT: "json",
      NODE_ENV: "production",
      GHE_HOST: "github.example.com",
      DATABASE_URL: "postgresql://moose:pw@db:5432/moose",
      SUPABASE_URL: "https://project.supabase.co",
      SUPABASE_SERVICE_ROLE_KEY: "service-role",
      MOOSE_DATA_DIR: "/var/lib/moose",
      ANTHROPIC_API_KEY: "anthropic-key",
      OPENAI_API_KEY: "openai-key",
      OPENAI_BASE_URL: "http://localhost:11434/v1",
      MOOSE_MODELS_FILE: "models.yml",
      MOOSE_BUDGET_SOFT_USD: "5.5",
      MOOSE_BUDGET_HARD_USD: "5.5",
      MOOSE_BUDGET_EMERGENCY_USD: "10",
      MOOSE_MAX_CONCURRENCY: "1",
      MOOSE_SWEEP_INTERVAL_MS: "500",
      MOOSE_LEASE_MS: "30000",
      MOOSE_RECONCILE_INTERVAL_MS: "0",
      MOOSE_WORKER_ID: "host-a:42",
      UNRELATED: "ignored",
    });
    expect(config).toEqual({
      appId: 12345,
      privateKey: PEM.trim(),
      privateKeyPath: "./app.pem",
      webhookSecret: "s3cret",
      webhookProxyUrl: "https://smee.io/abc",
      webhookPath: "/api/github/webhooks",
      port: 8080,
      host: "0.0.0.0",
      logLevel: "debug",
      logFormat: "json",
      nodeEnv: "production",
      gheHost: "github.example.com",
      databaseUrl: "postgresql://moose:pw@db:5432/moose",
      supabaseUrl: "https://project.supabase.co",
      supabaseServiceRoleKey: "service-role",
      dataDir: "/var/lib/moose",
      anthropicApiKey: "anthropic-key",
      openaiApiKey: "openai-key",
      openaiBaseUrl: "http://localhost:11434/v1",
      modelsFile: "models.yml",
      budgetSoftUsd: 5.5,
      budgetHardUsd: 5.5,
      budgetEmergencyUsd: 10,
      maxConcurrency: 1,
      sweepIntervalMs: 500,
      leaseMs: 30000,
      reconcileIntervalMs: 0,
      workerId: "host-a:42",
    });
  });

  it("accepts a base64-encoded private key, as Probot does", () => {
    const encoded = Buffer.from(PEM).toString("base64");
    expect(loadEnvConfig({ PRIVATE_KEY: encoded }).privateKey).toBe(encoded);
  });

  it.each([
    ["APP_ID", "abc", "whole number"],
    ["APP_ID", "0", "whole number"],
    ["APP_ID", "-3", "whole number"],
    ["PRIVATE_KEY", "not a key", "PEM private key"],
    ["PRIVATE_KEY_PATH", "a\u0000b", "control characters"],
    ["WEBHOOK_PROXY_URL", "smee.io/abc", "http:// or https:// URL"],
    ["WEBHOOK_PROXY_URL", "ftp://smee.io/abc", "http:// or https:// URL"],
    ["WEBHOOK_PATH", "api/webhooks", "starting with /"],
    ["PORT", "0", "from 1 to 65535"],
    ["PORT", "65536", "from 1 to 65535"],
    ["PORT", "80.5", "from 1 to 65535"],
    ["HOST", "http://localhost", "host name"],
    ["LOG_LEVEL", "verbose", "expected one of trace, debug, info, warn, error, fatal, silent"],
    ["LOG_FORMAT", "xml", "json or pretty"],
    ["NODE_ENV", "prod", "development, production or test"],
    ["GHE_HOST", "https://github.example.com", "without scheme"],
    ["DATABASE_URL", "mysql://u:p@h/db", "postgres:// or postgresql://"],
    ["DATABASE_URL", "not a url", "postgres:// or postgresql://"],
    ["OPENAI_BASE_URL", "localhost:11434", "http:// or https:// URL"],
    ["MOOSE_BUDGET_SOFT_USD", "0", "positive amount"],
    ["MOOSE_BUDGET_SOFT_USD", "$20", "positive amount"],
    ["MOOSE_BUDGET_HARD_USD", "1e3", "positive amount"],
    ["MOOSE_MAX_CONCURRENCY", "0", "from 1 to 100"],
    ["MOOSE_SWEEP_INTERVAL_MS", "fast", "whole number"],
    ["MOOSE_LEASE_MS", "10", "from 1000 to 3600000"],
    ["MOOSE_RECONCILE_INTERVAL_MS", "-5", "from 0 to 86400000"],
    ["MOOSE_WORKER_ID", "has space", "letters, digits"],
  ])("rejects %s=%j", (name, value, expected) => {
    const problems = problemsOf({ [name]: value });
    expect(Object.keys(problems)).toEqual([name]);
    expect(problems[name]).toContain(expected);
  });

  it("requires SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY together", () => {
    expect(problemsOf({ SUPABASE_URL: "https://p.supabase.co" })).toEqual({
      SUPABASE_SERVICE_ROLE_KEY: "required when SUPABASE_URL is set (set both or neither)",
    });
    expect(problemsOf({ SUPABASE_SERVICE_ROLE_KEY: "k" })).toEqual({
      SUPABASE_URL: "required when SUPABASE_SERVICE_ROLE_KEY is set (set both or neither)",
    });
  });

  it("requires soft <= hard <= emergency budgets, including against defaults", () => {
    expect(problemsOf({ MOOSE_BUDGET_SOFT_USD: "60" })).toEqual({
      MOOSE_BUDGET_HARD_USD: "must be at least MOOSE_BUDGET_SOFT_USD (50 < 60)",
    });
    expect(problemsOf({ MOOSE_BUDGET_HARD_USD: "150" })).toEqual({
      MOOSE_BUDGET_EMERGENCY_USD: "must be at least MOOSE_BUDGET_HARD_USD (100 < 150)",
    });
  });

  it("lists every bad variable in one error, across groups", () => {
    const problems = problemsOf({
      PORT: "http",
      DATABASE_URL: "redis://x",
      SUPABASE_URL: "https://p.supabase.co",
      MOOSE_BUDGET_SOFT_USD: "70",
      MOOSE_LEASE_MS: "x",
    });
    expect(Object.keys(problems).sort()).toEqual(
      ["DATABASE_URL", "MOOSE_BUDGET_HARD_USD", "MOOSE_LEASE_MS", "PORT", "SUPABASE_SERVICE_ROLE_KEY"].sort(),
    );
  });

  it("formats the message as one `NAME: problem` line per variable", () => {
    const env: Record<string, string> = { PORT: "x", LOG_FORMAT: "xml" };
    expect(() => loadEnvConfig(env)).toThrowError(
      "Invalid environment configuration:\n- PORT: expected a whole number from 1 to 65535\n- LOG_FORMAT: expected json or pretty",
    );
  });

  it("never echoes a secret value in the error message", () => {
    const secrets = {
      PRIVATE_KEY: "sk-private-NOT-A-PEM-9f8e7d",
      DATABASE_URL: "mysql://admin:hunter2-db-password@db/moose",
      WEBHOOK_PROXY_URL: "smee.io/secret-channel-1234",
      OPENAI_BASE_URL: "user:pass-openai-5678@host",
    };
    let message = "";
    try {
      loadEnvConfig({ ...secrets, SUPABASE_SERVICE_ROLE_KEY: "eyJ-service-role-secret", ANTHROPIC_API_KEY: "sk-ant-secret", APP_ID: "x" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("PRIVATE_KEY:");
    expect(message).toContain("SUPABASE_URL:");
    for (const value of [...Object.values(secrets), "hunter2", "eyJ-service-role-secret", "sk-ant-secret", "secret-channel"]) {
      expect(message).not.toContain(value);
    }
  });
});

describe(".env.example", () => {
  const example = parseEnv(readFileSync(new URL("../../.env.example", import.meta.url), "utf8"));

  it("documents exactly the variables the schema knows", () => {
    expect(Object.keys(example).sort()).toEqual([...ENV_VARIABLE_NAMES].sort());
  });

  it("is itself a valid configuration", () => {
    expect(() => loadEnvConfig(example)).not.toThrow();
  });

  it("has a comment line above every variable", () => {
    const lines = readFileSync(new URL("../../.env.example", import.meta.url), "utf8").split("\n");
    lines.forEach((line, index) => {
      if (/^[A-Z_]+=/.test(line)) expect(lines[index - 1], `comment above ${line}`).toMatch(/^# /);
    });
  });
});
