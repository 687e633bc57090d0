/**
 * Card-reader detection for the web release station. A USB card reader acts as a keyboard: it "types" the
 * card number a few milliseconds per character, then Enter. Nobody types a PIN at under 50 ms per key, so a
 * burst that fast, of at least 4 characters and closed by Enter, is a card, wherever the focus is.
 */

const CARD_KEY_GAP_MS = 50;
const CARD_MIN_LENGTH = 4;

/**
 * A keydown listener (register it in the capture phase) that calls `onCard(number)` for each card-reader
 * burst. The burst's Enter is swallowed, so it neither submits the PIN form nor presses a focused button.
 */
export function cardReaderListener(onCard) {
  const burst = { text: '', at: -Infinity };
  return (event) => {
    const fast = event.timeStamp - burst.at <= CARD_KEY_GAP_MS;
    if (event.key === 'Enter') {
      const card = burst.text;
      burst.text = '';
      if (!fast || card.length < CARD_MIN_LENGTH) return;
      event.preventDefault();
      event.stopPropagation();
      onCard(card);
    } else if (event.key.length === 1 && !event.ctrlKey && !event.altKey && !event.metaKey) {
      burst.text = fast ? burst.text + event.key : event.key;
      burst.at = event.timeStamp;
    }
  };
}
