import Foundation
import StoreInterface

