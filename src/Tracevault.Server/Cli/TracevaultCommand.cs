using System.CommandLine;
using System.Globalization;
using Tracevault.Keys.RootKeys;
using Tracevault.Server.Hosting;

namespace Tracevault.Server.Cli;

/// <summary>The <c>tracevault</c> command line: serve, init and the admin commands that work on a data directory.</summary>
public static class TracevaultCommand
{
    /// <summary>Runs the command line; a data directory that cannot be opened as asked is reported in one line on stderr (exit code 1, or 2 for a value the command cannot take).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            return await Create().Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (DataDirectoryException exception)
        {
            await System.Console.Error.WriteLineAsync(exception.Message).ConfigureAwait(false);
            return exception.ExitCode;
        }
        catch (Exception exception)
        {
            // What System.CommandLine's own handler does: cancellation ends quietly, anything else is shown whole.
            if (exception is not OperationCanceledException)
            {
                await System.Console.Error.WriteLineAsync("Unhandled exception: " + exception).ConfigureAwait(false);
            }

            return 1;
        }
    }

    /// <summary>Builds the root command.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand("Tracevault: a self-hosted, X-Ray-compatible trace store that always encrypts trace data at rest.");
        root.Subcommands.Add(Serve());
        root.Subcommands.Add(Init());
        root.Subcommands.Add(UserCommands.Create());
        root.Subcommands.Add(Accounts());
        root.Subcommands.Add(RootKey());
        root.Subcommands.Add(ServiceKey());
        root.Subcommands.Add(Audit());
        root.Subcommands.Add(Check());
        root.Subcommands.Add(MigrateCommand.Create());
        root.Subcommands.Add(Demo.DemoCommand.Create());
        return root;
    }

    private static Option<string> ListenOption() => new("--listen", "-l")
    {
        Description = "HOST:PORT for HTTP and UDP.",
        DefaultValueFactory = _ => "127.0.0.1:2000",
    };

    private static Option<string> RegionOption() => new("--region", "-r")
    {
        Description = "The region requests are signed for.",
        DefaultValueFactory = _ => "us-east-1",
    };

    private static Command Serve()
    {
        var data = new DataDirectoryOptions();
        var listen = ListenOption();
        var region = RegionOption();
        var udpBuffer = new Option<int>("--udp-receive-buffer")
        {
            Description = "The UDP receive buffer to ask the system for, in bytes (it may grant less).",
            DefaultValueFactory = _ => XRay.UdpSegmentListener.DefaultReceiveBufferBytes,
        };
        var otlpHttp = new Option<string?>("--otlp-http") { Description = "HOST:PORT for OTLP/HTTP, or off (default 127.0.0.1:4318 and [::1]:4318, skipped with a warning when taken)." };
        var otlpGrpc = new Option<string?>("--otlp-grpc") { Description = "HOST:PORT for OTLP/gRPC, or off (default 127.0.0.1:4317 and [::1]:4317, skipped with a warning when taken)." };
        var otlpAnnotations = new Option<string>("--otlp-annotations")
        {
            Description = "Which span attributes become annotations: all (every scalar) or listed (those a span names in aws.xray.annotations).",
            DefaultValueFactory = _ => "all",
        };
        otlpAnnotations.AcceptOnlyFromAmong("all", "listed");
        var runRetrievals = new Option<string>("--run-retrievals")
        {
            Description = "Whether this node runs trace retrievals (StartTraceRetrieval) that any node started: on, or off for a node that only starts, lists and cancels them.",
            DefaultValueFactory = _ => "on",
        };
        runRetrievals.AcceptOnlyFromAmong("on", "off");
        var tlsCert = new Option<string?>("--tls-cert") { Description = "PEM certificate (chain) file: serve HTTPS on --listen (with --tls-key)." };
        var tlsKey = new Option<string?>("--tls-key") { Description = "PEM private key file of --tls-cert." };
        var insecureHttp = new Option<bool>("--insecure-http") { Description = "Allow plain HTTP on an address other than loopback (warned at every start)." };
        var retentionDays = new Option<int>("--retention-days")
        {
            Description = "How many days trace data is kept (as X-Ray: 30); older chunks are removed at start and hourly.",
            DefaultValueFactory = _ => 30,
        };
        var metrics = new Option<string?>("--metrics")
        {
            Description = $"HOST:PORT to serve Prometheus metrics (GET /metrics) on, apart from the API's port, or off (default 127.0.0.1:{Metrics.MetricsOptions.DefaultPort}, skipped with a warning when taken).",
        };
        var udpAllow = new Option<string[]>("--udp-allow")
        {
            Description = "A network (CIDR, e.g. 10.0.0.0/8) whose senders may send unsigned UDP segments when --listen is not loopback; repeatable (comma-separated in the environment). Loopback is always allowed; others are refused, counted and logged.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var trustedProxies = new Option<string[]>("--trusted-proxies", "--trusted-proxy")
        {
            Description = "A network (CIDR) of load balancers or proxies whose X-Forwarded-For names the client's address (for the sign-in throttle, audit records and --udp-allow); repeatable (comma-separated in the environment). Default none: no header is read.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var logFormat = new Option<string>("--log-format")
        {
            Description = "How the log is written: text (one line per entry) or json (one JSON object per line, each with its EventId).",
            DefaultValueFactory = _ => "text",
        };
        logFormat.AcceptOnlyFromAmong("text", "json");
        var config = ServeSettings.ConfigOption();
        var externalKms = new ExternalKmsCliOptions();
        var command = new Command("serve", "Run the server: X-Ray (HTTP and UDP), KMS, CloudTrail and the console on one port; OpenTelemetry (OTLP) on its own ports too. "
            + "Each option may also come from its environment variable or from the --config file; the command line wins over the environment, the environment over the file.")
        {
            data.Data, data.RootKeyFile, data.PassphraseFile, data.Postgres, listen, region, udpBuffer, otlpHttp, otlpGrpc, otlpAnnotations, runRetrievals, retentionDays, tlsCert, tlsKey, insecureHttp, metrics, udpAllow, trustedProxies, logFormat, config,
        };
        foreach (var option in externalKms.All)
        {
            command.Options.Add(option);
        }

        ServeSettings.DescribeVariables(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new ServerOptions();
            try
            {
                var settings = ServeSettings.Load(parse, command, config);
                (options.DataDirectory, options.RootKey, options.Postgres) = data.Resolve(settings);
                options.Region = settings.Get(region);
                options.UdpReceiveBufferBytes = settings.Get(udpBuffer);
                options.Listen = ServerOptions.ParseListen(settings.Get(listen));
                if (settings.Get(otlpHttp) is { } http)
                {
                    options.Otlp.Http = Otlp.OtlpOptions.ParseListen(http);
                    options.Otlp.HttpIsDefault = false;
                }

                if (settings.Get(otlpGrpc) is { } grpc)
                {
                    options.Otlp.Grpc = Otlp.OtlpOptions.ParseListen(grpc);
                    options.Otlp.GrpcIsDefault = false;
                }

                options.Otlp.AnnotateAllAttributes = settings.Get(otlpAnnotations) switch
                {
                    "all" => true,
                    "listed" => false,
                    var other => throw new ArgumentException($"'{other}' is not a value --otlp-annotations takes: all or listed."),
                };
                options.Retrievals.Run = settings.Get(runRetrievals) != "off";
                options.Traces.Retention = settings.Get(retentionDays) is >= 1 and <= 36500 and var days
                    ? TimeSpan.FromDays(days)
                    : throw new ArgumentException("--retention-days must be between 1 and 36500.");
                options.TlsCertificatePath = settings.Get(tlsCert);
                options.TlsKeyPath = settings.Get(tlsKey);
                options.InsecureHttp = settings.Get(insecureHttp);
                options.Metrics.Listen = settings.Get(metrics) is { } metricsListen ? Metrics.MetricsOptions.ParseListen(metricsListen) : Metrics.MetricsOptions.DefaultListen;
                options.Metrics.ListenIsDefault = settings.Get(metrics) is null;
                options.UdpAllow = [.. settings.GetList(udpAllow).Select(ServerOptions.ParseNetwork)];
                options.TrustedProxies = [.. settings.GetList(trustedProxies).Select(ServerOptions.ParseNetwork)];
                options.LogFormat = settings.Get(logFormat) switch
                {
                    "text" => LogFormat.Text,
                    "json" => LogFormat.Json,
                    var other => throw new ArgumentException($"'{other}' is not a value --log-format takes: text or json."),
                };
                externalKms.Read(settings, options.ExternalKms);
                options.Validate();
            }
            catch (ArgumentException exception)
            {
                await System.Console.Error.WriteLineAsync(exception.Message).ConfigureAwait(false);
                return 2;
            }

            TracevaultServer started;
            try
            {
                started = await TracevaultServer.StartAsync(options, TimeProvider.System, null, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException exception)
            {
                // Not a Tracevault database, or one SQLite cannot read: refuse to run on it, saying why.
                await System.Console.Error.WriteLineAsync(exception.Message).ConfigureAwait(false);
                return 1;
            }
            catch (IOException exception)
            {
                // Kestrel names the address it could not bind; a port given explicitly that is taken stops the start.
                await System.Console.Error.WriteLineAsync($"Cannot start: {exception.Message}").ConfigureAwait(false);
                return 1;
            }

            await using var server = started;
            if (options.LogFormat == LogFormat.Json)
            {
                // Every line of a JSON log is one JSON object: the client settings go into the log too (the admin was logged as initialized).
                LogMessages.ClientSettings(server.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Tracevault"), UsageLines(server.Data, options.Region, server.Url));
            }
            else if (server.InitializedAdmin is not null)
            {
                await System.Console.Out.WriteLineAsync($"Initialized {server.Data.Description}: account {server.InitializedAdmin.User.AccountId}, admin user '{server.InitializedAdmin.User.Name}'.").ConfigureAwait(false);
            }

            if (options.LogFormat == LogFormat.Text)
            {
                await System.Console.Out.WriteLineAsync(UsageLines(server.Data, options.Region, server.Url)).ConfigureAwait(false);
            }

            await server.WaitForShutdownAsync().ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Init()
    {
        var data = new DataDirectoryOptions();
        var region = RegionOption();
        var listen = ListenOption();
        var command = new Command("init", "Create the data directory: database (or, with --postgres, the schema in that database), root key (at --root-key-file when given; an existing one is used, never replaced), one account and its admin user.") { region, listen };
        data.AddToAdminCommand(command);
        command.SetAction(parse =>
        {
            var (path, rootKey, postgres) = data.Resolve(parse, command);
            var directory = DataDirectory.OpenOrCreate(path, rootKey, postgres, TimeProvider.System);
            var admin = directory.InitializeIfEmpty();
            System.Console.WriteLine(admin is null
                ? $"{directory.Description} is already initialized."
                : $"Initialized {directory.Description}: account {admin.User.AccountId}, admin user '{admin.User.Name}'.");
            System.Console.WriteLine(UsageLines(directory, parse.GetValue(region)!, new Uri($"http://{parse.GetValue(listen)}/")));
            return 0;
        });
        return command;
    }

    private static Command Accounts()
    {
        var accounts = new Command("accounts", "Manage accounts.");
        var data = new DataDirectoryOptions();
        var create = new Command("create", "Create an account with an admin user and print the admin's access key.");
        data.AddToAdminCommand(create);
        create.SetAction(parse =>
        {
            var directory = data.Open(parse, create);
            var account = directory.Identity.CreateAccount();
            var admin = directory.Identity.CreateUser(account.Id, DataDirectory.AdminUserName, [Keys.Identity.IdentityService.AdministratorPolicy]);
            System.Console.WriteLine($"Created account {account.Id} with admin user {admin.User.Arn}");
            System.Console.WriteLine($"aws_access_key_id = {admin.AccessKeyId}");
            System.Console.WriteLine($"aws_secret_access_key = {admin.SecretAccessKey}");
            return 0;
        });
        accounts.Subcommands.Add(create);
        return accounts;
    }

    private static Command RootKey()
    {
        var rootKey = new Command("root-key", "Manage the root keys that seal key material and access-key secrets (run these while the server is stopped).");
        rootKey.Subcommands.Add(RootKeyCommands.Rotate(PauseIfAsked));
        rootKey.Subcommands.Add(RootKeyCommands.Retire());
        rootKey.Subcommands.Add(RootKeyCommands.Protect());
        return rootKey;
    }

    private static Command ServiceKey()
    {
        var serviceKey = new Command("service-key", "Manage the service key behind default encryption.");
        var data = new DataDirectoryOptions();
        var rotate = new Command("rotate", "Add a new service key version, sealed under the root key, which seals new default-encrypted data from then on (a running server takes it up within a second); older versions keep opening what they sealed.");
        data.AddToAdminCommand(rotate);
        rotate.SetAction(parse =>
        {
            var directory = data.Open(parse, rotate);
            var added = directory.Storage.ServiceKeys.Rotate();
            var older = added.Version == 1 ? "" : string.Create(CultureInfo.InvariantCulture, $", and versions 1 to {added.Version - 1} still open what they sealed");
            System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Added service key version {added.Version}; new default-encrypted data is sealed under it{older}."));
            return 0;
        });
        serviceKey.Subcommands.Add(rotate);
        return serviceKey;
    }

    private static Command Audit()
    {
        var audit = new Command("audit", "Work with the audit trail.");
        var data = new DataDirectoryOptions();
        var verify = new Command("verify", "Check the audit trail's keyed chain and sealed head: report how many records verified up to which time, or the first record altered, removed or inserted, or a cut-off tail.");
        data.AddToAdminCommand(verify);
        verify.SetAction(parse =>
        {
            var directory = data.Open(parse, verify);
            var result = directory.Storage.Audit.Verify();
            var upTo = result.LastEventTime is { } last ? last.UtcDateTime.ToString(" 'up to' yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : "";
            if (result.Verified)
            {
                System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"verified {result.Records} records{upTo}"));
                return 0;
            }

            System.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"audit trail {result.Problem} ({result.Records} records verified{upTo} before that)"));
            return 1;
        });
        audit.Subcommands.Add(verify);
        return audit;
    }

    private static Command Check()
    {
        var data = new DataDirectoryOptions();
        var region = RegionOption();
        var command = new Command("check", "Check the database (SQLite integrity check; on PostgreSQL, the server checks its own files) and open every sealed chunk; report what is damaged (exit 0 clean, 1 damaged).") { region };
        data.AddToAdminCommand(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (path, rootKey, postgres) = data.Resolve(parse, command);
            return await StoreCheck.RunAsync(path, rootKey, postgres, parse.GetValue(region)!, System.Console.Out, ProgressReporter.ForConsole(), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Fault injection for the crash tests: names a rotation step (kebab-case) at which <c>root-key rotate</c> prints "paused at STEP" and waits to be killed.</summary>
    private const string RotationPauseVariable = "TRACEVAULT_ROOT_KEY_ROTATE_PAUSE_AT";

    private static void PauseIfAsked(RootKeyRotationStep step)
    {
        var pauseAt = Environment.GetEnvironmentVariable(RotationPauseVariable);
        var name = step switch
        {
            RootKeyRotationStep.NewRingWritten => "new-ring-written",
            RootKeyRotationStep.NewRingInPlace => "new-ring-in-place",
            RootKeyRotationStep.Resealed => "resealed",
            _ => "committed",
        };
        if (string.Equals(name, pauseAt, StringComparison.Ordinal))
        {
            System.Console.WriteLine("paused at " + name);
            System.Console.Out.Flush();
            Thread.Sleep(Timeout.Infinite);
        }
    }

    private static string UsageLines(DataDirectory directory, string region, Uri url)
    {
        var endpoint = url.ToString().TrimEnd('/');
        var makeUsers = $"make more users with 'tracevault users create NAME --data {directory.Path}{(directory.HoldsDatabase ? "" : " --postgres …")}'";
        if (!File.Exists(directory.CredentialsPath))
        {
            // A node that joined a PostgreSQL database another node initialized: the admin's credentials were written there.
            return $"""
                This node's data directory holds no credentials file: use the credentials file of the node that initialized the
                database, or an access key of your own, with:
                export AWS_REGION={region}
                export AWS_DEFAULT_REGION={region}
                export AWS_ENDPOINT_URL={endpoint}
                e.g. aws --endpoint-url {endpoint} xray get-encryption-config
                Console: {url}console
                Sign in with such an access key; {makeUsers}.
                """;
        }

        return $"""
            To use it from the AWS CLI and SDKs:
            {directory.ClientSettings(region, endpoint)}
            e.g. aws --endpoint-url {endpoint} xray get-encryption-config
            Console: {url}console
            Sign in with the admin's access key id and secret access key from {directory.CredentialsPath}; {makeUsers}.
            """;
    }
}
