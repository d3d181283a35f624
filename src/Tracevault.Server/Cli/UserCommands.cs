using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Tracevault.Core.Policies;
using Tracevault.Keys.Identity;
using Tracevault.Server.Hosting;

namespace Tracevault.Server.Cli;

/// <summary>The <c>tracevault users</c> commands: users and their access keys, each change recorded in the audit trail as IAM records it.</summary>
internal static partial class UserCommands
{
    /// <summary>Builds the <c>users</c> command and its subcommands.</summary>
    public static Command Create()
    {
        var users = new Command("users", "Manage users and their access keys.");
        users.Subcommands.Add(CreateUser());
        users.Subcommands.Add(List());
        users.Subcommands.Add(Update());
        users.Subcommands.Add(Delete());
        users.Subcommands.Add(Keys());
        return users;
    }

    private static Option<string?> AccountOption() => new("--account") { Description = "The account (default: the first account)." };

    private static Option<bool> ForceOption(string what) => new("--force") { Description = $"{what}, even when it leaves the account with no administrator that has an active access key, or when it is the key in the data directory's credentials file." };

    private static Command CreateUser()
    {
        var data = new DataDirectoryOptions();
        var name = new Argument<string>("NAME") { Description = "The new user's name." };
        var account = AccountOption();
        var policy = new Option<string?>("--policy") { Description = "An IAM policy to attach, as a JSON file's path or the JSON itself; without one the user may do nothing." };
        var command = new Command("create", "Create a user and print its access key (the secret is shown only this once).") { name, account, policy };
        data.AddToAdminCommand(command);
        command.SetAction(parse => Run(() =>
        {
            var directory = data.Open(parse, command);
            var accountId = parse.GetValue(account) ?? directory.DefaultAccount.Id;
            var documents = parse.GetValue(policy) is { } given ? [ReadPolicy(given)] : Array.Empty<string>();
            var created = directory.Identity.CreateUser(accountId, parse.GetValue(name)!, documents);
            System.Console.WriteLine($"Created user {created.User.Arn}");
            PrintKey(created.AccessKeyId, created.SecretAccessKey);
        }));
        return command;
    }

    private static Command List()
    {
        var data = new DataDirectoryOptions();
        var command = new Command("list", "List users with their access key ids (an inactive one marked '(Inactive)').");
        data.AddToAdminCommand(command);
        command.SetAction(parse => Run(() =>
        {
            var directory = data.Open(parse, command);
            var keys = directory.Identity.ListAccessKeys().ToLookup(k => (k.AccountId, k.UserName));
            foreach (var user in directory.Identity.ListUsers())
            {
                var ids = string.Join(",", keys[(user.AccountId, user.Name)].Select(k => k.Status == AccessKeyStatus.Active ? k.AccessKeyId : k.AccessKeyId + "(Inactive)"));
                System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{user.AccountId}\t{user.Name}\t{ids}\t{user.CreatedAt:yyyy-MM-ddTHH:mm:ssZ}"));
            }
        }));
        return command;
    }

    private static Command Update()
    {
        var data = new DataDirectoryOptions();
        var name = new Argument<string>("NAME") { Description = "The user." };
        var account = AccountOption();
        var policy = new Option<string>("--policy") { Description = "The IAM policy that replaces the user's policies, as a JSON file's path or the JSON itself.", Required = true };
        var force = ForceOption("Change it");
        var command = new Command("update", "Replace a user's policy; it applies from the user's next request, in the API and the console.") { name, account, policy, force };
        data.AddToAdminCommand(command);
        command.SetAction(parse => Run(() =>
        {
            var directory = data.Open(parse, command);
            var accountId = parse.GetValue(account) ?? directory.DefaultAccount.Id;
            var document = ReadPolicy(parse.GetValue(policy)!);
            var updated = directory.Identity.UpdateUserPolicies(accountId, parse.GetValue(name)!, [document], parse.GetValue(force));
            System.Console.WriteLine($"Updated the policy of user {updated.Arn}");
        }));
        return command;
    }

    private static Command Delete()
    {
        var data = new DataDirectoryOptions();
        var name = new Argument<string>("NAME") { Description = "The user." };
        var account = AccountOption();
        var force = ForceOption("Delete it");
        var command = new Command("delete", "Delete a user with its access keys; their console sessions end at their next request.") { name, account, force };
        data.AddToAdminCommand(command);
        command.SetAction(parse => Run(() =>
        {
            var directory = data.Open(parse, command);
            var accountId = parse.GetValue(account) ?? directory.DefaultAccount.Id;
            var userName = parse.GetValue(name)!;
            if (!parse.GetValue(force) && CredentialsFileKey(directory) is { } inFile
                && directory.Identity.FindAccessKey(inFile) is { } fileKey && fileKey.AccountId == accountId && fileKey.UserName == userName)
            {
                throw new IdentityLockoutException(CredentialsFileRefusal(directory, inFile, $"User {userName} holds access key {inFile}"));
            }

            var keys = directory.Identity.DeleteUser(accountId, userName, parse.GetValue(force));
            var deleted = keys.Count == 0 ? "" : " and its access key" + (keys.Count == 1 ? " " : "s ") + string.Join(", ", keys.Select(k => k.AccessKeyId));
            System.Console.WriteLine($"Deleted user {Core.Identity.Caller.UserArn(accountId, userName)}{deleted}");
        }));
        return command;
    }

    private static Command Keys()
    {
        var keys = new Command("keys", $"Manage users' access keys (at most {IdentityService.MaxAccessKeysPerUser} per user, as IAM allows).");

        var data = new DataDirectoryOptions();
        var name = new Argument<string>("NAME") { Description = "The user." };
        var account = AccountOption();
        var writeCredentials = new Option<bool>("--write-credentials") { Description = "Also write the new key to the data directory's credentials file (the one the server's start-up output names), replacing the key there." };
        var create = new Command("create", "Add an access key to a user and print it (the secret is shown only this once).") { name, account, writeCredentials };
        data.AddToAdminCommand(create);
        create.SetAction(parse => Run(() =>
        {
            var directory = data.Open(parse, create);
            var accountId = parse.GetValue(account) ?? directory.DefaultAccount.Id;
            var created = directory.Identity.CreateAccessKey(accountId, parse.GetValue(name)!);
            System.Console.WriteLine($"Created access key {created.Key.AccessKeyId} for user {Core.Identity.Caller.UserArn(created.Key.AccountId, created.Key.UserName)}");
            PrintKey(created.Key.AccessKeyId, created.SecretAccessKey);
            if (parse.GetValue(writeCredentials))
            {
                directory.WriteCredentialsFile(created.Key.AccessKeyId, created.SecretAccessKey);
                System.Console.WriteLine($"Wrote it to {directory.CredentialsPath}");
            }
        }));
        keys.Subcommands.Add(create);
        keys.Subcommands.Add(StatusCommand("deactivate", AccessKeyStatus.Inactive,
            "Deactivate an access key: it is refused from then on, as an unknown key is, and console sessions signed in with it end at their next request."));
        keys.Subcommands.Add(StatusCommand("activate", AccessKeyStatus.Active, "Activate an access key again."));

        var deleteData = new DataDirectoryOptions();
        var deleteId = new Argument<string>("ACCESS_KEY_ID") { Description = "The access key." };
        var deleteForce = ForceOption("Delete it");
        var delete = new Command("delete", "Delete an access key and its sealed secret; console sessions signed in with it end at their next request.") { deleteId, deleteForce };
        deleteData.AddToAdminCommand(delete);
        delete.SetAction(parse => Run(() =>
        {
            var directory = deleteData.Open(parse, delete);
            var id = parse.GetValue(deleteId)!;
            RefuseCredentialsFileKey(directory, id, parse.GetValue(deleteForce));
            var key = directory.Identity.DeleteAccessKey(id, parse.GetValue(deleteForce));
            System.Console.WriteLine($"Deleted access key {key.AccessKeyId} of user {Core.Identity.Caller.UserArn(key.AccountId, key.UserName)}");
        }));
        keys.Subcommands.Add(delete);
        return keys;
    }

    private static Command StatusCommand(string verb, AccessKeyStatus status, string description)
    {
        var data = new DataDirectoryOptions();
        var id = new Argument<string>("ACCESS_KEY_ID") { Description = "The access key." };
        var command = new Command(verb, description) { id };
        data.AddToAdminCommand(command);
        var force = ForceOption("Deactivate it");
        if (status == AccessKeyStatus.Inactive)
        {
            command.Options.Add(force);
        }

        command.SetAction(parse => Run(() =>
        {
            var directory = data.Open(parse, command);
            var keyId = parse.GetValue(id)!;
            var forced = status == AccessKeyStatus.Inactive && parse.GetValue(force);
            if (status == AccessKeyStatus.Inactive)
            {
                RefuseCredentialsFileKey(directory, keyId, forced);
            }

            var key = directory.Identity.SetAccessKeyStatus(keyId, status, forced);
            System.Console.WriteLine($"{(status == AccessKeyStatus.Active ? "Activated" : "Deactivated")} access key {key.AccessKeyId} of user {Core.Identity.Caller.UserArn(key.AccountId, key.UserName)}");
        }));
        return command;
    }

    /// <summary>Runs a command's work: 0 when it succeeds; a refusal or bad input is one line on stderr and exit code 1.</summary>
    private static int Run(Action work)
    {
        try
        {
            work();
            return 0;
        }
        catch (IdentityLockoutException exception)
        {
            System.Console.Error.WriteLine(exception.Message + " Nothing was changed; use --force to do it anyway.");
            return 1;
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException or PolicyFormatException)
        {
            System.Console.Error.WriteLine(exception.Message);
            return 1;
        }
    }

    private static void PrintKey(string accessKeyId, string secretAccessKey)
    {
        System.Console.WriteLine($"aws_access_key_id = {accessKeyId}");
        System.Console.WriteLine($"aws_secret_access_key = {secretAccessKey}");
    }

    /// <summary>A policy given as its JSON (starting with <c>{</c>) or as a file's path, validated as a policy document.</summary>
    private static string ReadPolicy(string given)
    {
        var document = given.TrimStart().StartsWith('{') ? given : File.ReadAllText(given);
        PolicyDocument.Parse(document);
        return document;
    }

    private static void RefuseCredentialsFileKey(DataDirectory directory, string accessKeyId, bool force)
    {
        if (!force && string.Equals(CredentialsFileKey(directory), accessKeyId, StringComparison.Ordinal))
        {
            throw new IdentityLockoutException(CredentialsFileRefusal(directory, accessKeyId, $"Access key {accessKeyId}"));
        }
    }

    private static string CredentialsFileRefusal(DataDirectory directory, string accessKeyId, string subject) =>
        $"{subject} is the key in {directory.CredentialsPath}, which the server's start-up output points clients and the console's sign-in at; "
        + $"make a new key with 'tracevault users keys create NAME --write-credentials' first (it replaces {accessKeyId} in that file).";

    /// <summary>The access key id in the data directory's credentials file, or null when there is none.</summary>
    private static string? CredentialsFileKey(DataDirectory directory) =>
        File.Exists(directory.CredentialsPath) && CredentialsKeyLine().Match(File.ReadAllText(directory.CredentialsPath)) is { Success: true } match
            ? match.Groups[1].Value
            : null;

    [GeneratedRegex(@"^\s*aws_access_key_id\s*=\s*(\S+)", RegexOptions.Multiline)]
    private static partial Regex CredentialsKeyLine();
}
