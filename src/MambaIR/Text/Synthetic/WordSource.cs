namespace MambaIR.Text.Synthetic;

/// <summary>
/// Labels for synthetic samples: mostly common English words (the kind of text TextZoom crops hold: shop signs, notices,
/// products) in lower, UPPER or Title case, and otherwise random alphanumeric strings (digits included), all within the
/// TextZoom alphabet.
/// </summary>
public static class WordSource
{
    /// <summary>Built-in vocabulary (lower-case).</summary>
    public static IReadOnlyList<string> Vocabulary { get; } =
    [
        "the", "open", "closed", "exit", "entrance", "push", "pull", "stop", "sale", "free", "coffee", "bakery", "hotel",
        "street", "road", "avenue", "parking", "station", "market", "office", "public", "private", "store", "shop", "bank",
        "school", "garden", "house", "center", "central", "north", "south", "east", "west", "city", "park", "museum",
        "library", "pharmacy", "restaurant", "kitchen", "water", "fire", "police", "taxi", "bus", "train", "airport",
        "welcome", "thank", "you", "please", "danger", "warning", "caution", "emergency", "toilet", "floor", "level",
        "room", "door", "window", "food", "drink", "beer", "wine", "pizza", "burger", "chicken", "rice", "noodle", "tea",
        "milk", "fresh", "fruit", "apple", "orange", "banana", "lemon", "sugar", "salt", "bread", "cake", "chocolate",
        "cream", "ice", "hot", "cold", "new", "old", "big", "small", "best", "good", "great", "happy", "love", "life",
        "time", "day", "night", "morning", "evening", "week", "year", "world", "global", "national", "international",
        "service", "services", "company", "group", "limited", "design", "studio", "gallery", "art", "music", "dance",
        "theatre", "cinema", "film", "video", "photo", "camera", "phone", "mobile", "computer", "digital", "online",
        "email", "internet", "power", "energy", "electric", "light", "green", "blue", "red", "black", "white", "yellow",
        "gold", "silver", "star", "sun", "moon", "sky", "sea", "river", "lake", "mountain", "island", "beach", "travel",
        "tour", "ticket", "price", "offer", "discount", "special", "limited", "only", "today", "now", "here", "there",
        "information", "help", "support", "customer", "quality", "health", "medical", "doctor", "clinic", "hospital",
        "beauty", "salon", "hair", "fashion", "shoes", "bags", "jewelry", "watch", "books", "news", "paper", "print",
        "express", "delivery", "post", "mail", "card", "credit", "cash", "money", "change", "exchange", "family",
        "children", "kids", "baby", "sport", "football", "tennis", "golf", "fitness", "club", "team", "game", "play",
        "fun", "party", "wedding", "flowers", "home", "living", "furniture", "tools", "hardware", "auto", "car", "motor",
        "garage", "repair", "wash", "clean", "laundry", "building", "tower", "square", "bridge", "gate", "way", "lane",
        "drive", "place", "court", "university", "college", "academy", "institute", "church", "temple", "royal", "grand",
        "palace", "castle", "village", "town", "county", "state", "union", "trust", "capital", "finance", "insurance",
    ];

    const string Alphanumerics = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /// <summary>Draws a label: 80 % vocabulary word (case 60 % lower, 25 % Title, 15 % UPPER), 20 % random string of 2–9
    /// alphanumerics (half of them digits only).</summary>
    public static string Next(Random rng)
    {
        if (rng.NextDouble() < 0.8)
        {
            string w = Vocabulary[rng.Next(Vocabulary.Count)];
            double c = rng.NextDouble();
            return c < 0.6 ? w : c < 0.85 ? char.ToUpperInvariant(w[0]) + w[1..] : w.ToUpperInvariant();
        }
        int n = rng.Next(2, 10);
        bool digitsOnly = rng.NextDouble() < 0.5;
        var chars = new char[n];
        for (int i = 0; i < n; i++) chars[i] = Alphanumerics[rng.Next(digitsOnly ? 10 : Alphanumerics.Length)];
        return new string(chars);
    }
}
