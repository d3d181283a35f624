using Tracevault.Server.Cli;

return await TracevaultCommand.RunAsync(args).ConfigureAwait(false);
