using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace SocketIO.Typed.Browser.Tests;

/// <summary>
/// The chat sample as people use it: two pages in headless Chromium and the .NET console client, against the sample
/// server started as a process. Messages both ways, the typing indicator, the users list, rooms, an image, and a server
/// restart that the pages and the console client come back from on their own.
/// </summary>
public sealed class ChatBrowserTests(ITestOutputHelper output)
{
    // A small valid PNG (1 x 1 pixel): the page shows it, the other side receives its bytes as a binary attachment.
    private static readonly byte[] s_png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    static ChatBrowserTests()
    {
        // The machines are shared and slow at times: wait for what should happen, not for a fixed short time.
        SetDefaultExpectTimeout(30_000);
    }

    [Fact]
    public async Task Two_pages_and_the_console_client_chat_change_rooms_send_an_image_and_survive_a_server_restart()
    {
        int port = ChildProcesses.FreePort();
        string url = $"http://localhost:{port}/";
        var environment = new Dictionary<string, string> { ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        SampleProcess server = SampleProcess.Start("Chat", output, environment);
        try
        {
            await server.WaitForLineAsync("Chat sample: open");
            using IPlaywright playwright = await Playwright.CreateAsync();
            await using IBrowser browser = await Chromium.LaunchAsync(playwright);
            IPage ann = await OpenAsync(browser, url, "ann");
            IPage bob = await OpenAsync(browser, url, "bob");

            // The users list of each page has both.
            await Expect(User(ann, "bob")).ToHaveCountAsync(1);
            await Expect(User(bob, "ann")).ToHaveCountAsync(1);
            await Expect(User(ann, "ann (you)")).ToHaveCountAsync(1);

            // Typing shows on the other page, then a message goes across and is acknowledged.
            await ann.Locator("#text").PressSequentiallyAsync("hel");
            await Expect(bob.Locator("#typing")).ToHaveTextAsync("ann is typing…");
            await SendAsync(ann, "hello from ann");
            await Expect(Received(bob, "hello from ann")).ToHaveCountAsync(1);
            await Expect(bob.Locator("#typing")).ToHaveTextAsync(string.Empty);
            await Expect(Delivered(ann, "hello from ann")).ToHaveCountAsync(1);
            await SendAsync(bob, "hi ann, bob here");
            await Expect(Received(ann, "hi ann, bob here")).ToHaveCountAsync(1);

            // The .NET console client joins the same room and talks with the pages.
            await using (SampleProcess console = SampleProcess.Start("Chat.Client", output, null, url, "carl", "general"))
            {
                await console.WaitForLineAsync("* joined general");
                await Expect(User(ann, "carl")).ToHaveCountAsync(1);
                await SendAsync(ann, "hi carl");
                await console.WaitForLineAsync("[general] ann: hi carl");
                await console.WriteLineAsync("hello pages");
                await Expect(Received(bob, "hello pages")).ToHaveCountAsync(1);
                await Expect(Received(ann, "hello pages")).ToHaveCountAsync(1);

                // An image: a binary attachment from the page to the other page and to the console.
                await ann.Locator("#image").SetInputFilesAsync(new FilePayload { Name = "dot.png", MimeType = "image/png", Buffer = s_png });
                await Expect(bob.Locator($"#messages li.theirs img[data-size='{s_png.Length}']")).ToHaveCountAsync(1);
                await Expect(ann.Locator("#messages li.mine.delivered img")).ToHaveCountAsync(1);
                await console.WaitForLineAsync($"[general] ann sent an image (image/png, {s_png.Length} bytes)");

                // Bob changes room: he leaves the users list of general and is alone in "other".
                await bob.Locator("#switch-room").ClickAsync();
                await bob.Locator("#room").FillAsync("other");
                await bob.Locator("#join button[type=submit]").ClickAsync();
                await Expect(bob.Locator("#room-name")).ToHaveTextAsync("other");
                await Expect(User(ann, "bob")).ToHaveCountAsync(0);
                await Expect(User(bob, "bob (you)")).ToHaveCountAsync(1);
                await Expect(User(bob, "ann")).ToHaveCountAsync(0);
                await SendAsync(bob, "anyone in other?");
                await Expect(Delivered(bob, "anyone in other?")).ToHaveCountAsync(1);

                // The server restarts: the pages see the disconnection, reconnect, and join their rooms again.
                await server.DisposeAsync();
                await Expect(ann.Locator("#status")).ToContainTextAsync("disconnected");
                server = SampleProcess.Start("Chat", output, environment);
                await server.WaitForLineAsync("Chat sample: open");
                await Expect(ann.Locator("#status")).ToContainTextAsync("connected (");
                await Expect(bob.Locator("#status")).ToContainTextAsync("connected (");
                await Expect(User(ann, "ann (you)")).ToHaveCountAsync(1);
                await Expect(User(bob, "bob (you)")).ToHaveCountAsync(1);
                await Expect(User(ann, "carl")).ToHaveCountAsync(1);              // the console client came back too
                await Expect(bob.Locator("#room-name")).ToHaveTextAsync("other");

                await SendAsync(ann, "back after the restart");
                await console.WaitForLineAsync("[general] ann: back after the restart");
                await Expect(Delivered(ann, "back after the restart")).ToHaveCountAsync(1);
            }
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    internal static async Task<IPage> OpenAsync(IBrowser browser, string url, string nick)
    {
        IPage page = await browser.NewPageAsync();
        await page.GotoAsync(url);
        await page.Locator("#nick").FillAsync(nick);
        await page.Locator("#join button[type=submit]").ClickAsync();
        await Expect(page.Locator("#chat")).ToBeVisibleAsync();
        await Expect(page.Locator("#room-name")).ToHaveTextAsync("general");
        return page;
    }

    internal static async Task SendAsync(IPage page, string text)
    {
        await page.Locator("#text").FillAsync(text);
        await page.Locator("#send button[type=submit]").ClickAsync();
    }

    internal static ILocator User(IPage page, string text) =>
        page.Locator("#users li").Filter(new LocatorFilterOptions { HasTextRegex = new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(text) + "$") });

    internal static ILocator Received(IPage page, string text) =>
        page.Locator("#messages li.theirs .text").Filter(new LocatorFilterOptions { HasText = text });

    internal static ILocator Delivered(IPage page, string text) =>
        page.Locator("#messages li.mine.delivered").Filter(new LocatorFilterOptions { HasText = text });
}
