/// Comparison whose running time does not depend on the secret's bytes or on where a guess
/// first differs from it.
enum ConstantTime {
    /// Whether `guess` equals `secret`. Reads every byte of `secret` and, for each, one byte of
    /// `guess` (its index modulo the guess's length), accumulating differences without a
    /// branch on them; a length difference is folded in the same way. The time depends on
    /// `secret.count` only.
    static func equals<Secret: RandomAccessCollection<UInt8>, Guess: RandomAccessCollection<UInt8>>(
        _ secret: Secret, _ guess: Guess
    ) -> Bool where Secret.Index == Int, Guess.Index == Int {
        var difference: UInt = UInt(bitPattern: secret.count ^ guess.count)
        let guessCount = guess.count
        var guessIndex = 0
        for offset in 0..<secret.count {
            // An empty guess is compared against zeros (its length already differs).
            let guessed: UInt8 = guessCount == 0 ? 0 : guess[guess.startIndex + guessIndex]
            difference |= UInt(secret[secret.startIndex + offset] ^ guessed)
            guessIndex += 1
            guessIndex = guessIndex == guessCount ? 0 : guessIndex
        }
        return difference == 0
    }
}
