using Tracevault.Server.Cli;

return await TracevaultCommand.Create().Parse(args).InvokeAsync().ConfigureAwait(false);
