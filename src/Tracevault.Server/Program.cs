Console.WriteLine("tracevault");
