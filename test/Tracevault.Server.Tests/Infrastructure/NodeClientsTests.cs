using Xunit.Sdk;

namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>A Node script is judged by what its runner reports, not by its exit code alone: no test, or a skip, is no pass.</summary>
public sealed class NodeClientsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tracevault-node-").FullName;

    [Fact]
    public async Task RunTestScript_ScriptThatRegistersNoTest_Fails()
    {
        var script = Script("console.log('no test here');");

        var failure = await Assert.ThrowsAnyAsync<XunitException>(() => NodeClients.RunTestScriptAsync(script, new Dictionary<string, string>()));

        Assert.Contains("ran no test", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunTestScript_ScriptThatSkips_Fails_UnlessTheSkipIsDeclared()
    {
        var script = Script("""
            import test from 'node:test';
            test('runs', () => {});
            test('skips inside', (t) => { t.skip('not here'); });
            test.skip('skipped outright', () => {});
            """);

        var failure = await Assert.ThrowsAnyAsync<XunitException>(() => NodeClients.RunTestScriptAsync(script, new Dictionary<string, string>()));
        Assert.Contains("skips inside", failure.Message, StringComparison.Ordinal);
        Assert.Contains("skipped outright", failure.Message, StringComparison.Ordinal);

        await NodeClients.RunTestScriptAsync(script, new Dictionary<string, string>(), declaredSkips: ["skips inside", "skipped outright"]);
    }

    [Fact]
    public async Task RunTestScript_TodoAndFailingSubtest_Fail_PassingScriptPasses()
    {
        var todo = Script("import test from 'node:test';\ntest('runs', () => {});\ntest('later', { todo: true }, () => { throw new Error('not yet'); });");
        Assert.Contains("later", (await Assert.ThrowsAnyAsync<XunitException>(() => NodeClients.RunTestScriptAsync(todo, new Dictionary<string, string>()))).Message, StringComparison.Ordinal);

        var passing = Script("import test from 'node:test';\ntest('outer', async (t) => { await t.test('inner', () => {}); });");
        var result = await NodeClients.RunTestScriptAsync(passing, new Dictionary<string, string>());
        Assert.Contains("inner", result.StandardOutput, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Script(string source)
    {
        var path = Path.Combine(_directory, $"s{Directory.GetFiles(_directory).Length}.test.mjs");
        File.WriteAllText(path, source);
        return path;
    }
}
