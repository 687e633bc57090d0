/**
 * The numbers of the PCL XL binary protocol (HP PCL XL Feature Reference, Protocol Class 2.0/2.1/3.0): the tag
 * bytes of data types, attribute ids and operators, and the enumerated values the analyser reads. Ghostscript's
 * `gdevpxop.h`, `gdevpxat.h` and `gdevpxen.h` list the same numbers; they are protocol facts, not choices.
 */

/** Stream header binding bytes: the first byte of `) HP-PCL XL;...`. */
export const BINDING_ASCII = 0x27;
export const BINDING_BIG_ENDIAN = 0x28;
export const BINDING_LITTLE_ENDIAN = 0x29;

/** Data type tags. The low three bits of scalar, array, xy and box tags name the element type. */
export const TAG_UBYTE = 0xc0;
export const TAG_REAL32 = 0xc5;
export const TAG_ARRAY_FIRST = 0xc8;
export const TAG_ARRAY_LAST = 0xcd;
export const TAG_XY_FIRST = 0xd0;
export const TAG_XY_LAST = 0xd5;
export const TAG_BOX_FIRST = 0xe0;
export const TAG_BOX_LAST = 0xe5;
export const TAG_ATTR_UBYTE = 0xf8;
export const TAG_ATTR_UINT16 = 0xf9;
export const TAG_DATA_LENGTH = 0xfa;
export const TAG_DATA_LENGTH_BYTE = 0xfb;
export const TAG_ESC = 0x1b;
/** Operators occupy 0x40..0xbf; codes the analyser does not know are still operators, with no effect here. */
export const OPERATOR_FIRST = 0x40;
export const OPERATOR_LAST = 0xbf;

/** Element types, as the low three bits of a data type tag. */
export const ELEMENT_UBYTE = 0;
export const ELEMENT_UINT16 = 1;
export const ELEMENT_UINT32 = 2;
export const ELEMENT_SINT16 = 3;
export const ELEMENT_SINT32 = 4;
export const ELEMENT_REAL32 = 5;
/** Bytes per element, by element type. */
export const ELEMENT_SIZE = [1, 2, 4, 2, 4, 4];

/** True for the bytes the protocol treats as white space between tokens (NUL, HT, LF, VT, FF, CR, space). */
export function isWhiteSpace(tag: number): boolean {
  return tag === 0x00 || (tag >= 0x09 && tag <= 0x0d) || tag === 0x20;
}

/** Operators the analyser acts on. */
export const Op = {
  BeginSession: 0x41,
  EndSession: 0x42,
  BeginPage: 0x43,
  EndPage: 0x44,
  BeginStream: 0x5b,
  ReadStream: 0x5c,
  EndStream: 0x5d,
  ExecStream: 0x5e,
  RemoveStream: 0x5f,
  PopGS: 0x60,
  PushGS: 0x61,
  SetBrushSource: 0x63,
  SetColorSpace: 0x6a,
  SetPenSource: 0x79,
  SetROP: 0x7b,
  NewPath: 0x85,
  PaintPath: 0x86,
  ArcPath: 0x91,
  BezierPath: 0x93,
  BezierRelPath: 0x95,
  Chord: 0x96,
  ChordPath: 0x97,
  Ellipse: 0x98,
  EllipsePath: 0x99,
  LinePath: 0x9b,
  LineRelPath: 0x9d,
  Pie: 0x9e,
  PiePath: 0x9f,
  Rectangle: 0xa0,
  RectanglePath: 0xa1,
  RoundRectangle: 0xa2,
  RoundRectanglePath: 0xa3,
  Text: 0xa8,
  TextPath: 0xa9,
  BeginImage: 0xb0,
  ReadImage: 0xb1,
  EndImage: 0xb2,
  BeginRastPattern: 0xb3,
  ReadRastPattern: 0xb4,
  EndRastPattern: 0xb5,
  BeginScan: 0xb6,
  EndScan: 0xb8,
  ScanLineRel: 0xb9,
  PassThrough: 0xbf,
} as const;

/** Attribute ids the analyser reads (and a few that the writer needs to build well-formed streams). */
export const Attr = {
  PaletteDepth: 2,
  ColorSpace: 3,
  NullBrush: 4,
  NullPen: 5,
  PaletteData: 6,
  PatternSelectID: 8,
  GrayLevel: 9,
  RGBColor: 11,
  PrimaryArray: 14,
  PrimaryDepth: 15,
  MediaSize: 37,
  MediaType: 39,
  Orientation: 40,
  ROP3: 44,
  CustomMediaSize: 47,
  CustomMediaSizeUnits: 48,
  PageCopies: 49,
  SimplexPageMode: 52,
  DuplexPageMode: 53,
  DuplexPageSide: 54,
  BoundingBox: 66,
  ColorDepth: 98,
  BlockHeight: 99,
  ColorMapping: 100,
  CompressMode: 101,
  PatternPersistence: 104,
  PatternDefineID: 105,
  DestinationSize: 103,
  SourceHeight: 107,
  SourceWidth: 108,
  StartLine: 109,
  PadBytesMultiple: 110,
  Measure: 134,
  UnitsPerMeasure: 137,
  StreamName: 139,
  StreamDataLength: 140,
  ErrorReport: 143,
} as const;

/** ColorSpace values: eGray, eRGB, eSRGB (HP numbers sRGB 6); 7 is the XL 3.0 grey-substitution space. */
export const COLOR_SPACE_GRAY = 1;
export const COLOR_SPACE_GRAY_SUB = 7;

/** ColorMapping: eDirectPixel / eIndexedPixel. */
export const MAPPING_INDEXED = 1;

/** CompressMode values. */
export const COMPRESS_NONE = 0;
export const COMPRESS_RLE = 1;
export const COMPRESS_JPEG = 2;
export const COMPRESS_DELTA_ROW = 3;

/** DuplexPageMode: eDuplexHorizontalBinding = 0, eDuplexVerticalBinding = 1. */
export const DUPLEX_VERTICAL_BINDING = 1;

/** Orientation: ePortrait 0, eLandscape 1, eReversePortrait 2, eReverseLandscape 3, eDefault 4. */
export const ORIENTATION_LANDSCAPE = 1;
export const ORIENTATION_REVERSE_LANDSCAPE = 3;

/** The ROP3 in force at BeginPage: 0xFC, source OR pattern. */
export const DEFAULT_ROP3 = 0xfc;

/** PatternPersistence: eTempPattern 0, ePagePattern 1, eSessionPattern 2. */
export const PERSISTENCE_SESSION = 2;
